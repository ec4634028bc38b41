-- The product list counts and pages by index-only scans of products' covering indexes. Every
-- update of a row (view counts each second, lowest prices on every offer change) clears its page's
-- visibility-map bit, and until a vacuum sets it again those scans visit the heap for each row (a
-- capped count of 10,000 went from 63 buffers to 8,500). The default thresholds (20% of the rows
-- changed) let that last for hours on a busy catalogue; vacuum products after 2% (or 500 rows).
ALTER TABLE "products" SET (
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_vacuum_threshold = 500,
  autovacuum_vacuum_insert_scale_factor = 0.02,
  autovacuum_analyze_scale_factor = 0.02
);
