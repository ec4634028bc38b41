CREATE TYPE "public"."crawler_mapping_status" AS ENUM('PENDING', 'APPROVED', 'REJECTED');--> statement-breakpoint
ALTER TABLE "crawler_unmatched_items" ADD COLUMN "status" "crawler_mapping_status" DEFAULT 'PENDING' NOT NULL;--> statement-breakpoint
ALTER TABLE "crawler_unmatched_items" ADD COLUMN "product_id" bigint;--> statement-breakpoint
ALTER TABLE "crawler_unmatched_items" ADD COLUMN "confidence" real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "crawler_unmatched_items" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "crawler_unmatched_items" ADD COLUMN "reviewed_by" bigint;--> statement-breakpoint
ALTER TABLE "crawler_unmatched_items" ADD COLUMN "reviewed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "crawler_product_links_url_idx" ON "crawler_product_links" USING btree ("seller_id","url");--> statement-breakpoint
CREATE INDEX "crawler_unmatched_items_status_idx" ON "crawler_unmatched_items" USING btree ("status","created_at");