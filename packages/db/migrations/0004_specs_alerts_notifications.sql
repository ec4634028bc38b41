CREATE TYPE "public"."alert_kind" AS ENUM('TARGET_PRICE', 'DROP_FROM_LAST_WEEK');--> statement-breakpoint
CREATE TYPE "public"."spec_direction" AS ENUM('HIGHER_IS_BETTER', 'LOWER_IS_BETTER', 'NONE');--> statement-breakpoint
CREATE TYPE "public"."spec_type" AS ENUM('NUMBER', 'SELECT', 'TEXT', 'BOOLEAN');--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"read_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "price_alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"kind" "alert_kind" DEFAULT 'TARGET_PRICE' NOT NULL,
	"target_price" bigint,
	"drop_percent" integer,
	"triggered_at" timestamp with time zone,
	"triggered_price" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product_spec_values" (
	"product_id" uuid NOT NULL,
	"spec_definition_id" uuid NOT NULL,
	"text_value" text,
	"number_value" numeric(18, 4),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "product_spec_values_product_id_spec_definition_id_pk" PRIMARY KEY("product_id","spec_definition_id")
);
--> statement-breakpoint
CREATE TABLE "spec_definitions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"category_id" uuid NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"group_name" text,
	"type" "spec_type" NOT NULL,
	"unit" text,
	"options" jsonb,
	"direction" "spec_direction" DEFAULT 'NONE' NOT NULL,
	"filterable" boolean DEFAULT true NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "spec_scores" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"spec_definition_id" uuid NOT NULL,
	"option_value" text,
	"min_value" numeric(18, 4),
	"max_value" numeric(18, 4),
	"score" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "spec_templates" (
	"category_id" uuid PRIMARY KEY NOT NULL,
	"inherits_from_category_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "price_alerts" ADD CONSTRAINT "price_alerts_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_spec_values" ADD CONSTRAINT "product_spec_values_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_spec_values" ADD CONSTRAINT "product_spec_values_spec_definition_id_spec_definitions_id_fk" FOREIGN KEY ("spec_definition_id") REFERENCES "public"."spec_definitions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spec_definitions" ADD CONSTRAINT "spec_definitions_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spec_scores" ADD CONSTRAINT "spec_scores_spec_definition_id_spec_definitions_id_fk" FOREIGN KEY ("spec_definition_id") REFERENCES "public"."spec_definitions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spec_templates" ADD CONSTRAINT "spec_templates_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spec_templates" ADD CONSTRAINT "spec_templates_inherits_from_category_id_categories_id_fk" FOREIGN KEY ("inherits_from_category_id") REFERENCES "public"."categories"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notifications_user_created_idx" ON "notifications" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "price_alerts_user_product_kind_key" ON "price_alerts" USING btree ("user_id","product_id","kind");--> statement-breakpoint
CREATE INDEX "price_alerts_pending_idx" ON "price_alerts" USING btree ("product_id") WHERE "price_alerts"."triggered_at" is null;--> statement-breakpoint
CREATE INDEX "product_spec_values_def_text_idx" ON "product_spec_values" USING btree ("spec_definition_id","text_value");--> statement-breakpoint
CREATE INDEX "product_spec_values_def_number_idx" ON "product_spec_values" USING btree ("spec_definition_id","number_value");--> statement-breakpoint
CREATE UNIQUE INDEX "spec_definitions_category_key" ON "spec_definitions" USING btree ("category_id","key");--> statement-breakpoint
CREATE INDEX "spec_scores_definition_idx" ON "spec_scores" USING btree ("spec_definition_id");