CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TYPE "public"."search_outbox_event" AS ENUM('PRODUCT_UPSERT', 'PRODUCT_DELETE', 'PRICE_CHANGED');--> statement-breakpoint
CREATE TYPE "public"."search_outbox_status" AS ENUM('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."search_reindex_status" AS ENUM('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED');--> statement-breakpoint
CREATE SEQUENCE "public"."search_document_version_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "search_outbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "search_outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"event_type" "search_outbox_event" NOT NULL,
	"aggregate_id" uuid NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" "search_outbox_status" DEFAULT 'PENDING' NOT NULL,
	"attempt_count" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_until" timestamp with time zone,
	"claimed_by" text,
	"processed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_reindex_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"status" "search_reindex_status" DEFAULT 'QUEUED' NOT NULL,
	"target_index" text,
	"previous_index" text,
	"total_products" integer,
	"indexed_products" integer DEFAULT 0 NOT NULL,
	"outbox_watermark" bigint,
	"requested_by" uuid,
	"error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_weights" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"name_weight" real DEFAULT 10 NOT NULL,
	"brand_weight" real DEFAULT 5 NOT NULL,
	"spec_weight" real DEFAULT 3 NOT NULL,
	"description_weight" real DEFAULT 1 NOT NULL,
	"keyword_weight" real DEFAULT 1 NOT NULL,
	"click_weight" real DEFAULT 0.5 NOT NULL,
	"updated_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "search_reindex_runs" ADD CONSTRAINT "search_reindex_runs_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "search_weights" ADD CONSTRAINT "search_weights_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "search_outbox_pending_idx" ON "search_outbox" USING btree ("available_at","id") WHERE "search_outbox"."status" = 'PENDING';--> statement-breakpoint
CREATE INDEX "search_outbox_processing_idx" ON "search_outbox" USING btree ("claimed_until") WHERE "search_outbox"."status" = 'PROCESSING';--> statement-breakpoint
CREATE INDEX "search_outbox_failed_idx" ON "search_outbox" USING btree ("updated_at") WHERE "search_outbox"."status" = 'FAILED';--> statement-breakpoint
CREATE INDEX "search_outbox_aggregate_idx" ON "search_outbox" USING btree ("aggregate_id","id");--> statement-breakpoint
CREATE INDEX "search_outbox_status_processed_idx" ON "search_outbox" USING btree ("status","processed_at");--> statement-breakpoint
CREATE INDEX "search_reindex_runs_created_idx" ON "search_reindex_runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "products_name_trgm_idx" ON "products" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "products_brand_trgm_idx" ON "products" USING gin ("brand" gin_trgm_ops);--> statement-breakpoint
INSERT INTO "search_weights" ("id") VALUES (1) ON CONFLICT DO NOTHING;
