CREATE TYPE "public"."fraud_alert_severity" AS ENUM('LOW', 'MEDIUM', 'HIGH');--> statement-breakpoint
CREATE TYPE "public"."fraud_alert_status" AS ENUM('PENDING', 'APPROVED', 'REJECTED');--> statement-breakpoint
CREATE TABLE "fraud_alerts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "fraud_alerts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"product_id" bigint NOT NULL,
	"seller_id" bigint NOT NULL,
	"offer_id" bigint,
	"run_id" bigint,
	"url" text NOT NULL,
	"reason" text NOT NULL,
	"raw_price" bigint NOT NULL,
	"shipping_fee" bigint,
	"stock_state" text DEFAULT 'IN_STOCK' NOT NULL,
	"effective_price" bigint NOT NULL,
	"baseline_average" bigint NOT NULL,
	"lower_bound" bigint NOT NULL,
	"upper_bound" bigint NOT NULL,
	"severity" "fraud_alert_severity" NOT NULL,
	"status" "fraud_alert_status" DEFAULT 'PENDING' NOT NULL,
	"reviewed_by" bigint,
	"reviewed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "fraud_alerts" ADD CONSTRAINT "fraud_alerts_seller_id_sellers_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."sellers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fraud_alerts_status_created_idx" ON "fraud_alerts" USING btree ("status","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "fraud_alerts_pending_key" ON "fraud_alerts" USING btree ("product_id","seller_id") WHERE "fraud_alerts"."status" = 'PENDING';