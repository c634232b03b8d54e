-- Which API (rest or soap) each run used. Every run before this migration went over SOAP.
ALTER TABLE "report_runs" ADD COLUMN "api" text;--> statement-breakpoint
UPDATE "report_runs" SET "api" = 'soap' WHERE "api" IS NULL;--> statement-breakpoint
ALTER TABLE "report_runs" ALTER COLUMN "api" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "report_runs" ADD CONSTRAINT "report_runs_api_check" CHECK ("report_runs"."api" IN ('rest', 'soap'));
