CREATE TABLE IF NOT EXISTS `audit_entries` (
	`sequence` integer PRIMARY KEY NOT NULL,
	`decision_id` text NOT NULL,
	`at` text NOT NULL,
	`principal_id` text NOT NULL,
	`action` text NOT NULL,
	`effect` text NOT NULL,
	`entry` blob NOT NULL,
	`leaf_hash` blob NOT NULL);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `audit_entries_by_principal` ON `audit_entries` (`principal_id`,`sequence`);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `audit_nodes` (
	`level` integer NOT NULL,
	`idx` integer NOT NULL,
	`hash` blob NOT NULL,
	PRIMARY KEY(`level`, `idx`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `audit_tree_heads` (
	`size` integer PRIMARY KEY NOT NULL,
	`root_hash` text NOT NULL,
	`at` text NOT NULL,
	`kid` text NOT NULL,
	`signature` text NOT NULL);
