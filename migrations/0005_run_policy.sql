CREATE TABLE "report_run_attempts" (
	"run_id" bigint NOT NULL,
	"attempt" integer NOT NULL,
	"job_id" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"outcome" text,
	"error_class" text,
	"error_code" integer,
	"error_name" text,
	"error_message" text,
	"tracking_id" text,
	"rows" bigint,
	CONSTRAINT "report_run_attempts_run_id_attempt_pk" PRIMARY KEY("run_id","attempt")
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "access" text DEFAULT 'ok' NOT NULL;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "access_reason" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "access_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "report_runs" ADD COLUMN "status_errors" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "report_runs" ADD COLUMN "throttles" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "report_runs" ADD COLUMN "url_refreshes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "report_runs" ADD COLUMN "lease" text;--> statement-breakpoint
ALTER TABLE "report_runs" ADD COLUMN "retry_of" bigint;--> statement-breakpoint
ALTER TABLE "report_run_attempts" ADD CONSTRAINT "report_run_attempts_run_id_report_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."report_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Final states are final: whatever code path tries it, a finished run's status never changes again (a
-- retry is a new run). The application's own writes are guarded in their WHERE clauses; this is the backstop.
CREATE FUNCTION "report_runs_final_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status IN ('succeeded', 'empty', 'failed') AND NEW.status IS DISTINCT FROM OLD.status THEN
    RAISE EXCEPTION 'report run % is % and final; a retry adds a new run', OLD.id, OLD.status USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "report_runs_final_guard" BEFORE UPDATE OF "status" ON "report_runs"
  FOR EACH ROW EXECUTE FUNCTION "report_runs_final_guard"();--> statement-breakpoint
-- Every attempt a run made, kept: a retry adds history, never erases it.
INSERT INTO "report_run_attempts" ("run_id", "attempt", "job_id", "started_at", "ended_at", "outcome", "error_class", "error_code", "error_name", "error_message", "tracking_id", "rows")
SELECT "id", "attempt", "job_id", COALESCE("submitted_at", "created_at"), "finished_at",
       CASE WHEN "status" IN ('succeeded', 'empty', 'failed') THEN "status" END,
       "error_class", "error_code", "error_name", "error_message", "tracking_id", "rows"
  FROM "report_runs";--> statement-breakpoint
CREATE INDEX "report_runs_job_idx" ON "report_runs" ("job_id") WHERE "status" NOT IN ('succeeded', 'empty', 'failed');
