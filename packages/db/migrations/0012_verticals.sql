CREATE TYPE "public"."auction_status" AS ENUM('OPEN', 'CLOSED', 'CANCELLED', 'EXPIRED');--> statement-breakpoint
CREATE TYPE "public"."auction_bid_status" AS ENUM('ACTIVE', 'CANCELLED', 'SELECTED', 'LOST');--> statement-breakpoint
CREATE TYPE "public"."compatibility_rule_severity" AS ENUM('ERROR', 'WARNING');--> statement-breakpoint
CREATE TYPE "public"."pc_build_purpose" AS ENUM('GAMING', 'OFFICE', 'DESIGN', 'DEVELOPMENT', 'STREAMING');--> statement-breakpoint
CREATE TYPE "public"."pc_part_type" AS ENUM('CPU', 'MOTHERBOARD', 'RAM', 'GPU', 'SSD', 'HDD', 'PSU', 'CASE', 'COOLER', 'MONITOR');--> statement-breakpoint
CREATE TABLE "auction_bids" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "auction_bids_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"auction_id" bigint NOT NULL,
	"seller_id" bigint NOT NULL,
	"bidder_user_id" bigint NOT NULL,
	"price" bigint NOT NULL,
	"description" text NOT NULL,
	"delivery_days" smallint NOT NULL,
	"status" "auction_bid_status" DEFAULT 'ACTIVE' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "auction_bids_price_check" CHECK ("auction_bids"."price" > 0),
	CONSTRAINT "auction_bids_delivery_days_check" CHECK ("auction_bids"."delivery_days" between 0 and 365)
);
--> statement-breakpoint
CREATE TABLE "car_lease_offers" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "car_lease_offers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"model_id" bigint NOT NULL,
	"trim_id" bigint,
	"provider" text NOT NULL,
	"offer_type" text NOT NULL,
	"monthly_payment" bigint NOT NULL,
	"term_months" smallint NOT NULL,
	"deposit" bigint DEFAULT 0 NOT NULL,
	"annual_mileage_km" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "car_models" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "car_models_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"brand" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"fuel_type" text NOT NULL,
	"image_url" text,
	"release_year" smallint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "car_options" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "car_options_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"trim_id" bigint NOT NULL,
	"name" text NOT NULL,
	"price" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "car_tax_rates" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "car_tax_rates_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"code" text NOT NULL,
	"name" text NOT NULL,
	"rate" numeric(8, 5) NOT NULL,
	"applies_to" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" text NOT NULL,
	"valid_from" date NOT NULL,
	"valid_until" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "car_trims" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "car_trims_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"model_id" bigint NOT NULL,
	"name" text NOT NULL,
	"base_price" bigint NOT NULL,
	"engine_displacement_cc" integer,
	"specs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "compatibility_rules" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "compatibility_rules_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"description" text,
	"source_part_type" "pc_part_type" NOT NULL,
	"source_spec" text NOT NULL,
	"target_part_type" "pc_part_type",
	"target_spec" text,
	"operator" text NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"severity" "compatibility_rule_severity" DEFAULT 'ERROR' NOT NULL,
	"message" text NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pc_build_parts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pc_build_parts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"build_id" bigint NOT NULL,
	"part_type" "pc_part_type" NOT NULL,
	"product_id" bigint NOT NULL,
	"seller_id" bigint,
	"quantity" smallint DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pc_build_parts_quantity_check" CHECK ("pc_build_parts"."quantity" between 1 and 8)
);
--> statement-breakpoint
CREATE TABLE "pc_builds" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pc_builds_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" bigint NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"purpose" "pc_build_purpose" DEFAULT 'GAMING' NOT NULL,
	"budget" bigint,
	"share_code" text,
	"view_count" integer DEFAULT 0 NOT NULL,
	"share_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reverse_auctions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "reverse_auctions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" bigint NOT NULL,
	"category_id" bigint,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"specs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"budget" bigint NOT NULL,
	"status" "auction_status" DEFAULT 'OPEN' NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"winning_bid_id" bigint,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reverse_auctions_budget_check" CHECK ("reverse_auctions"."budget" > 0)
);
--> statement-breakpoint
CREATE TABLE "used_listings" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "used_listings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"product_id" bigint NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"price" integer NOT NULL,
	"condition" text NOT NULL,
	"listed_at" timestamp with time zone NOT NULL,
	"sold_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "used_listings_price_check" CHECK ("used_listings"."price" > 0)
);
--> statement-breakpoint
ALTER TABLE "auction_bids" ADD CONSTRAINT "auction_bids_auction_id_reverse_auctions_id_fk" FOREIGN KEY ("auction_id") REFERENCES "public"."reverse_auctions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auction_bids" ADD CONSTRAINT "auction_bids_seller_id_sellers_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."sellers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auction_bids" ADD CONSTRAINT "auction_bids_bidder_user_id_users_id_fk" FOREIGN KEY ("bidder_user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "car_lease_offers" ADD CONSTRAINT "car_lease_offers_model_id_car_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."car_models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "car_lease_offers" ADD CONSTRAINT "car_lease_offers_trim_id_car_trims_id_fk" FOREIGN KEY ("trim_id") REFERENCES "public"."car_trims"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "car_options" ADD CONSTRAINT "car_options_trim_id_car_trims_id_fk" FOREIGN KEY ("trim_id") REFERENCES "public"."car_trims"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "car_trims" ADD CONSTRAINT "car_trims_model_id_car_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."car_models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pc_build_parts" ADD CONSTRAINT "pc_build_parts_build_id_pc_builds_id_fk" FOREIGN KEY ("build_id") REFERENCES "public"."pc_builds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pc_build_parts" ADD CONSTRAINT "pc_build_parts_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pc_build_parts" ADD CONSTRAINT "pc_build_parts_seller_id_sellers_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."sellers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pc_builds" ADD CONSTRAINT "pc_builds_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reverse_auctions" ADD CONSTRAINT "reverse_auctions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reverse_auctions" ADD CONSTRAINT "reverse_auctions_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "used_listings" ADD CONSTRAINT "used_listings_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "auction_bids_live_seller_key" ON "auction_bids" USING btree ("auction_id","seller_id") WHERE "auction_bids"."status" = 'ACTIVE';--> statement-breakpoint
CREATE INDEX "auction_bids_auction_idx" ON "auction_bids" USING btree ("auction_id","price","id");--> statement-breakpoint
CREATE INDEX "car_lease_offers_model_idx" ON "car_lease_offers" USING btree ("model_id","monthly_payment");--> statement-breakpoint
CREATE UNIQUE INDEX "car_models_brand_name_key" ON "car_models" USING btree ("brand","name");--> statement-breakpoint
CREATE INDEX "car_models_type_idx" ON "car_models" USING btree ("type");--> statement-breakpoint
CREATE UNIQUE INDEX "car_options_trim_name_key" ON "car_options" USING btree ("trim_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "car_tax_rates_code_from_key" ON "car_tax_rates" USING btree ("code","valid_from");--> statement-breakpoint
CREATE UNIQUE INDEX "car_trims_model_name_key" ON "car_trims" USING btree ("model_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "compatibility_rules_name_key" ON "compatibility_rules" USING btree ("name");--> statement-breakpoint
CREATE INDEX "pc_build_parts_build_idx" ON "pc_build_parts" USING btree ("build_id","id");--> statement-breakpoint
CREATE INDEX "pc_build_parts_product_idx" ON "pc_build_parts" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "pc_builds_user_idx" ON "pc_builds" USING btree ("user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "pc_builds_share_code_key" ON "pc_builds" USING btree ("share_code");--> statement-breakpoint
CREATE INDEX "pc_builds_popular_idx" ON "pc_builds" USING btree ("view_count" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "pc_builds"."share_code" is not null;--> statement-breakpoint
CREATE INDEX "reverse_auctions_status_idx" ON "reverse_auctions" USING btree ("status","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "reverse_auctions_category_idx" ON "reverse_auctions" USING btree ("category_id","status","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "reverse_auctions_user_idx" ON "reverse_auctions" USING btree ("user_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "reverse_auctions_deadline_idx" ON "reverse_auctions" USING btree ("deadline") WHERE "reverse_auctions"."status" = 'OPEN';--> statement-breakpoint
CREATE UNIQUE INDEX "used_listings_source_external_key" ON "used_listings" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "used_listings_product_listed_idx" ON "used_listings" USING btree ("product_id","listed_at" DESC NULLS LAST);