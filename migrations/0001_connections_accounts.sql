CREATE TABLE "accounts" (
	"connection_id" text NOT NULL,
	"account_id" bigint NOT NULL,
	"account_number" text,
	"account_name" text,
	"parent_customer_id" bigint NOT NULL,
	"currency_code" text,
	"time_zone" text,
	"lifecycle_status" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "accounts_connection_id_account_id_pk" PRIMARY KEY("connection_id","account_id")
);
--> statement-breakpoint
CREATE TABLE "connections" (
	"connection_id" text PRIMARY KEY NOT NULL,
	"health" text DEFAULT 'ok' NOT NULL,
	"health_reason" text,
	"health_since" timestamp with time zone,
	"user_id" bigint,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_discovery_at" timestamp with time zone,
	"last_discovery_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "accounts_account_idx" ON "accounts" USING btree ("account_id");