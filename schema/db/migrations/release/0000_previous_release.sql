CREATE TABLE IF NOT EXISTS `release_activation_decisions` (
	`partner_id` text NOT NULL,
	`segment_id` text NOT NULL,
	`decided_at` text NOT NULL,
	`open` integer NOT NULL,
	`from_sequence` integer NOT NULL,
	PRIMARY KEY(`partner_id`, `segment_id`, `decided_at`)
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `release_live_streams` (
	`stream_key` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`window_start` text NOT NULL,
	`counters` text NOT NULL,
	`charged_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `release_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `release_upload_digests` (
	`upload_id` text NOT NULL,
	`digest` text NOT NULL,
	PRIMARY KEY(`upload_id`, `digest`)
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `release_upload_subjects` (
	`upload_id` text NOT NULL,
	`subject_id` text NOT NULL,
	PRIMARY KEY(`upload_id`, `subject_id`)
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `release_uploads` (
	`upload_id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`name` text NOT NULL,
	`submitted` integer NOT NULL,
	`created_at` text NOT NULL,
	`window_start` text NOT NULL,
	`queried_at` text
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `release_uploads_partner` ON `release_uploads` (`partner_id`,`window_start`);