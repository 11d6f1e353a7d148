CREATE TABLE IF NOT EXISTS `offsets` (
	`topic` text NOT NULL,
	`partition` integer NOT NULL,
	`next_offset` integer NOT NULL,
	PRIMARY KEY(`topic`, `partition`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `outbox` (
	`sequence` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`topic` text NOT NULL,
	`key` text,
	`value` text NOT NULL,
	`output_id` text NOT NULL,
	`partition` integer);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `meta` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `state` (
	`key` text NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`key`, `name`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `timers` (
	`time` integer NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	PRIMARY KEY(`time`, `key`, `name`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `timers_by_key` ON `timers` (`key`);