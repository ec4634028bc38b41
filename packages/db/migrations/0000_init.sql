CREATE TABLE "activity_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"type" text NOT NULL,
	"user_id" uuid,
	"request_id" text,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "activity_logs_job_id_unique" UNIQUE("job_id")
);
--> statement-breakpoint
CREATE INDEX "activity_logs_type_occurred_at_idx" ON "activity_logs" USING btree ("type","occurred_at");--> statement-breakpoint
CREATE INDEX "activity_logs_user_id_occurred_at_idx" ON "activity_logs" USING btree ("user_id","occurred_at");