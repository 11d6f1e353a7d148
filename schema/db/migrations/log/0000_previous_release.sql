CREATE TABLE IF NOT EXISTS `log_group_members` (
	`group_id` text NOT NULL,
	`member_id` text NOT NULL,
	`topics` text NOT NULL,
	`pid` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	PRIMARY KEY(`group_id`, `member_id`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `log_group_offsets` (
	`group_id` text NOT NULL,
	`topic` text NOT NULL,
	`partition` integer NOT NULL,
	`next_offset` integer NOT NULL,
	`committed_at` integer NOT NULL,
	PRIMARY KEY(`group_id`, `topic`, `partition`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `log_group_owners` (
	`group_id` text NOT NULL,
	`topic` text NOT NULL,
	`partition` integer NOT NULL,
	`member_id` text NOT NULL,
	PRIMARY KEY(`group_id`, `topic`, `partition`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `log_messages` (
	`id` integer PRIMARY KEY NOT NULL,
	`key` text,
	`value` text NOT NULL,
	`headers` text,
	`timestamp` integer NOT NULL);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `log_partitions` (
	`id` integer PRIMARY KEY NOT NULL,
	`topic` text NOT NULL,
	`partition` integer NOT NULL,
	`next_offset` integer DEFAULT 0 NOT NULL);
--> statement-breakpoint
CREATE UNIQUE INDEX `log_partitions_topic_partition_unique` ON `log_partitions` (`topic`,`partition`);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `log_topics` (
	`name` text PRIMARY KEY NOT NULL,
	`partitions` integer NOT NULL,
	`compacted` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL);
