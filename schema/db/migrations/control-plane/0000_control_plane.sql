CREATE TABLE "audit_entries" (
	"sequence" bigint PRIMARY KEY NOT NULL,
	"decision_id" text NOT NULL,
	"at" text NOT NULL,
	"principal_id" text NOT NULL,
	"action" text NOT NULL,
	"effect" text NOT NULL,
	"entry" "bytea" NOT NULL,
	"leaf_hash" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_nodes" (
	"level" integer NOT NULL,
	"idx" bigint NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "audit_nodes_level_idx_pk" PRIMARY KEY("level","idx")
);
--> statement-breakpoint
CREATE TABLE "audit_tree_heads" (
	"size" bigint PRIMARY KEY NOT NULL,
	"root_hash" text NOT NULL,
	"at" text NOT NULL,
	"kid" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contract_versions" (
	"sequence" serial PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"version" text NOT NULL,
	"body" text NOT NULL,
	"source" text NOT NULL,
	"actor" text,
	"recorded_at" text NOT NULL,
	CONSTRAINT "contract_versions_source" CHECK ("contract_versions"."source" IN ('file', 'api'))
);
--> statement-breakpoint
CREATE TABLE "partner_key_epochs" (
	"partner_id" text NOT NULL,
	"epoch" integer NOT NULL,
	"salt" "bytea" NOT NULL,
	"started_at" bigint NOT NULL,
	"valid_until" bigint,
	CONSTRAINT "partner_key_epochs_partner_id_epoch_pk" PRIMARY KEY("partner_id","epoch")
);
--> statement-breakpoint
CREATE TABLE "privacy_budget" (
	"partner_id" text NOT NULL,
	"contract_version" text NOT NULL,
	"budget_window" text NOT NULL,
	"window_start" text NOT NULL,
	"epsilon_spent_micro" bigint DEFAULT 0 NOT NULL,
	"spends" integer DEFAULT 0 NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "privacy_budget_partner_id_contract_version_budget_window_window_start_pk" PRIMARY KEY("partner_id","contract_version","budget_window","window_start"),
	CONSTRAINT "privacy_budget_spent" CHECK ("privacy_budget"."epsilon_spent_micro" >= 0)
);
--> statement-breakpoint
CREATE INDEX "audit_entries_by_principal" ON "audit_entries" USING btree ("principal_id","sequence");--> statement-breakpoint
CREATE INDEX "contract_versions_by_partner" ON "contract_versions" USING btree ("partner_id","sequence");