CREATE TABLE "entity_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connection_id" text NOT NULL,
	"customer_id" bigint NOT NULL,
	"account_id" bigint NOT NULL,
	"status" text NOT NULL,
	"mode" text NOT NULL,
	"entities" text[] NOT NULL,
	"job_id" text,
	"lease" text,
	"download_request_id" text,
	"last_sync_time_sent" timestamp with time zone,
	"sync_time" timestamp with time zone,
	"attempt" integer DEFAULT 1 NOT NULL,
	"polls" integer DEFAULT 0 NOT NULL,
	"throttles" integer DEFAULT 0 NOT NULL,
	"bytes" bigint,
	"rows" jsonb,
	"unknown_types" jsonb,
	"warnings" text[],
	"tracking_id" text,
	"error_class" text,
	"error_code" integer,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "entity_runs_mode_check" CHECK ("entity_runs"."mode" IN ('full', 'delta'))
);
--> statement-breakpoint
CREATE TABLE "entity_sync_state" (
	"account_id" bigint PRIMARY KEY NOT NULL,
	"last_sync_time" timestamp with time zone NOT NULL,
	"last_full_sync_time" timestamp with time zone,
	"entities" text[] NOT NULL,
	"last_run_id" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "entity_runs_account_idx" ON "entity_runs" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "entity_runs_status_idx" ON "entity_runs" USING btree ("status","updated_at");