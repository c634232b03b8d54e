ALTER TABLE "report_runs" ADD COLUMN "ready_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "report_runs" ADD COLUMN "expected_ready_ms" integer;--> statement-breakpoint
CREATE INDEX "report_runs_ready_idx" ON "report_runs" USING btree ("report","aggregation","ready_at") WHERE "report_runs"."ready_at" IS NOT NULL;