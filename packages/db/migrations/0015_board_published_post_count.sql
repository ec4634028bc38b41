ALTER TABLE "boards" ADD COLUMN "published_post_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- hand-written below: the triggers that keep boards.published_post_count exact in each post
-- write's transaction. Inserts and deletes count per statement (a bulk insert moves each board's
-- row once); a status or board change per row, and only when one of them changes (the counter
-- updates — views, likes, comments — do not fire it).
CREATE FUNCTION "posts_count_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE boards SET published_post_count = published_post_count + added.posts
  FROM (SELECT board_id, count(*) AS posts FROM inserted WHERE status = 'PUBLISHED' GROUP BY board_id) added
  WHERE boards.id = added.board_id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "posts_count_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE boards SET published_post_count = published_post_count - removed.posts
  FROM (SELECT board_id, count(*) AS posts FROM deleted WHERE status = 'PUBLISHED' GROUP BY board_id) removed
  WHERE boards.id = removed.board_id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "posts_count_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'PUBLISHED' THEN
    UPDATE boards SET published_post_count = published_post_count - 1 WHERE id = OLD.board_id;
  END IF;
  IF NEW.status = 'PUBLISHED' THEN
    UPDATE boards SET published_post_count = published_post_count + 1 WHERE id = NEW.board_id;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "posts_count_inserted" AFTER INSERT ON "posts" REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION "posts_count_inserted"();--> statement-breakpoint
CREATE TRIGGER "posts_count_deleted" AFTER DELETE ON "posts" REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION "posts_count_deleted"();--> statement-breakpoint
CREATE TRIGGER "posts_count_moved" AFTER UPDATE OF "status", "board_id" ON "posts" FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.board_id IS DISTINCT FROM NEW.board_id)
  EXECUTE FUNCTION "posts_count_moved"();--> statement-breakpoint
UPDATE "boards" SET "published_post_count" = (
  SELECT count(*) FROM "posts" WHERE "posts"."board_id" = "boards"."id" AND "posts"."status" = 'PUBLISHED');
