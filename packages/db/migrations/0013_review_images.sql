CREATE TABLE "review_images" (
	"review_id" bigint NOT NULL,
	"image_id" bigint NOT NULL,
	"position" smallint NOT NULL,
	CONSTRAINT "review_images_review_id_image_id_pk" PRIMARY KEY("review_id","image_id")
);
--> statement-breakpoint
ALTER TABLE "review_images" ADD CONSTRAINT "review_images_review_id_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "public"."reviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_images" ADD CONSTRAINT "review_images_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "review_images_image_key" ON "review_images" USING btree ("image_id");