CREATE TABLE IF NOT EXISTS `consent_changes` (
	`change_id` text PRIMARY KEY NOT NULL,
	`subject_id` text NOT NULL,
	`occurred_at` text NOT NULL,
	`measurement` integer NOT NULL,
	`personalization` integer NOT NULL,
	`partner_sharing` integer NOT NULL,
	`erased` integer NOT NULL);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `consent_records` (
	`subject_id` text PRIMARY KEY NOT NULL,
	`measurement` integer NOT NULL,
	`personalization` integer NOT NULL,
	`partner_sharing` integer NOT NULL,
	`erased` integer NOT NULL,
	`event_at` text NOT NULL);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `identity_erased` (
	`identifier_key` text PRIMARY KEY NOT NULL,
	`subject_id` text NOT NULL,
	`erased_at` text NOT NULL);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `identity_erased_subject` ON `identity_erased` (`subject_id`);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `identity_links` (
	`identifier_key` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`subject_id` text NOT NULL,
	`anchored` integer NOT NULL,
	`linked_at` text NOT NULL);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `identity_links_subject` ON `identity_links` (`subject_id`);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `ingest_seen` (
	`topic` text NOT NULL,
	`event_id` text NOT NULL,
	`seen_at` integer NOT NULL,
	PRIMARY KEY(`topic`, `event_id`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `ingest_seen_at` ON `ingest_seen` (`seen_at`);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `ingest_counters` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `ingest_meta` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `ingest_offsets` (
	`topic` text NOT NULL,
	`partition` integer NOT NULL,
	`next_offset` integer NOT NULL,
	PRIMARY KEY(`topic`, `partition`));
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `ingest_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`topic` text NOT NULL,
	`key` text,
	`value` text NOT NULL,
	`output_id` text NOT NULL);
