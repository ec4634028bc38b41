-- The product's own list price and optional sale price (the storefront's POST /products sends them).
-- Adding a NOT NULL column with a constant default is a catalog-only change (no table rewrite).
-- The check is added NOT VALID: every existing row has price 0 and no discount price, so it holds,
-- and skipping the scan keeps the ACCESS EXCLUSIVE lock on products short; every row written from
-- now on is checked.
ALTER TABLE "products" ADD COLUMN "price" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "discount_price" bigint;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_price_check" CHECK ("products"."price" >= 0 and ("products"."discount_price" is null or "products"."discount_price" between 0 and "products"."price")) NOT VALID;
