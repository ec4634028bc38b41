DROP INDEX "products_lowest_price_idx";--> statement-breakpoint
DROP INDEX "products_lowest_price_desc_idx";--> statement-breakpoint
DROP INDEX "products_popularity_idx";--> statement-breakpoint
DROP INDEX "products_created_idx";--> statement-breakpoint
CREATE INDEX "products_lowest_price_idx" ON "products" USING btree ("lowest_price","id","category_id","status") WHERE "products"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "products_lowest_price_desc_idx" ON "products" USING btree ("lowest_price" DESC NULLS LAST,"id","category_id","status") WHERE "products"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "products_popularity_idx" ON "products" USING btree ("popularity_score","id","category_id","status","lowest_price") WHERE "products"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "products_created_idx" ON "products" USING btree ("created_at","id","category_id","status","lowest_price") WHERE "products"."deleted_at" is null;