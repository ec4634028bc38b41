CREATE TYPE "public"."crawler_error_class" AS ENUM('NETWORK', 'TIMEOUT', 'HTTP_4XX', 'HTTP_5XX', 'ROBOTS_DISALLOWED', 'PARSE', 'DATABASE', 'CIRCUIT_OPEN');--> statement-breakpoint
CREATE TYPE "public"."crawler_run_status" AS ENUM('QUEUED', 'PROCESSING', 'SUCCESS', 'PARTIAL', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."crawler_trigger_type" AS ENUM('SCHEDULED', 'MANUAL');--> statement-breakpoint
CREATE TABLE "crawler_jobs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crawler_jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"seller_id" bigint NOT NULL,
	"name" text NOT NULL,
	"cron_expression" text,
	"collect_price" boolean DEFAULT true NOT NULL,
	"collect_spec" boolean DEFAULT true NOT NULL,
	"detect_anomaly" boolean DEFAULT true NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"targets" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"listing_urls" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"selectors" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_triggered_at" timestamp with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"disabled_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crawler_product_links" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crawler_product_links_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"seller_id" bigint NOT NULL,
	"product_id" bigint NOT NULL,
	"seller_product_code" text,
	"gtin" text,
	"mpn" text,
	"url" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crawler_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crawler_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"job_id" bigint,
	"seller_id" bigint NOT NULL,
	"product_id" bigint,
	"trigger_type" "crawler_trigger_type" NOT NULL,
	"collect_price" boolean DEFAULT true NOT NULL,
	"collect_spec" boolean DEFAULT true NOT NULL,
	"detect_anomaly" boolean DEFAULT true NOT NULL,
	"status" "crawler_run_status" DEFAULT 'QUEUED' NOT NULL,
	"queue_job_id" text,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"duration_ms" integer,
	"lease_until" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"items_processed" integer DEFAULT 0 NOT NULL,
	"items_created" integer DEFAULT 0 NOT NULL,
	"items_updated" integer DEFAULT 0 NOT NULL,
	"items_unchanged" integer DEFAULT 0 NOT NULL,
	"items_failed" integer DEFAULT 0 NOT NULL,
	"items_unmatched" integer DEFAULT 0 NOT NULL,
	"anomaly_count" integer DEFAULT 0 NOT NULL,
	"error_class" "crawler_error_class",
	"error_message" text,
	"item_errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crawler_unmatched_items" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crawler_unmatched_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"seller_id" bigint NOT NULL,
	"run_id" bigint,
	"url" text NOT NULL,
	"title" text,
	"price" bigint,
	"seller_product_code" text,
	"gtin" text,
	"mpn" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "crawler_jobs" ADD CONSTRAINT "crawler_jobs_seller_id_sellers_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."sellers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crawler_product_links" ADD CONSTRAINT "crawler_product_links_seller_id_sellers_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."sellers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crawler_runs" ADD CONSTRAINT "crawler_runs_job_id_crawler_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."crawler_jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crawler_unmatched_items" ADD CONSTRAINT "crawler_unmatched_items_seller_id_sellers_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."sellers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "crawler_jobs_seller_idx" ON "crawler_jobs" USING btree ("seller_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "crawler_product_links_page_key" ON "crawler_product_links" USING btree ("seller_id","product_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crawler_product_links_code_key" ON "crawler_product_links" USING btree ("seller_id","seller_product_code") WHERE "crawler_product_links"."seller_product_code" is not null;--> statement-breakpoint
CREATE INDEX "crawler_product_links_gtin_idx" ON "crawler_product_links" USING btree ("gtin") WHERE "crawler_product_links"."gtin" is not null;--> statement-breakpoint
CREATE INDEX "crawler_product_links_mpn_idx" ON "crawler_product_links" USING btree ("mpn") WHERE "crawler_product_links"."mpn" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "crawler_runs_queue_job_key" ON "crawler_runs" USING btree ("queue_job_id");--> statement-breakpoint
CREATE INDEX "crawler_runs_created_idx" ON "crawler_runs" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "crawler_runs_status_created_idx" ON "crawler_runs" USING btree ("status","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "crawler_runs_job_created_idx" ON "crawler_runs" USING btree ("job_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "crawler_runs_seller_created_idx" ON "crawler_runs" USING btree ("seller_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "crawler_unmatched_items_url_key" ON "crawler_unmatched_items" USING btree ("seller_id","url");