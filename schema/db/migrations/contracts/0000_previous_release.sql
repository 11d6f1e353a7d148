CREATE TABLE IF NOT EXISTS `contract_versions` (
	`sequence` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`partner_id` text NOT NULL,
	`version` text NOT NULL,
	`body` text NOT NULL,
	`source` text NOT NULL,
	`actor` text,
	`recorded_at` text NOT NULL,
	CONSTRAINT "contract_versions_source" CHECK("contract_versions"."source" IN ('file', 'api'))) STRICT;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `contract_versions_by_partner` ON `contract_versions` (`partner_id`,`sequence`);