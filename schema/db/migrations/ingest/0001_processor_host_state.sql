CREATE TABLE `offsets` (
	`topic` text NOT NULL,
	`partition` integer NOT NULL,
	`next_offset` integer NOT NULL,
	PRIMARY KEY(`topic`, `partition`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `outbox` (
	`sequence` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`topic` text NOT NULL,
	`key` text,
	`value` text NOT NULL,
	`output_id` text NOT NULL,
	`partition` integer);
--> statement-breakpoint
CREATE TABLE `meta` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `state` (
	`key` text NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`key`, `name`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `timers` (
	`time` integer NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	PRIMARY KEY(`time`, `key`, `name`)) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `timers_by_key` ON `timers` (`key`);--> statement-breakpoint
-- The previous release kept ingest's offsets, outbox, counters and producer epoch in tables of its own; the
-- processor host keeps them in the state tables above. They move as they are: the outbox's sequences (and the
-- highest one ever used) carry on under the same producer epoch, so every stage downstream still recognises a
-- repeat, and new outputs are not taken for repeats.
INSERT INTO `offsets` (`topic`, `partition`, `next_offset`)
  SELECT `topic`, `partition`, `next_offset` FROM `ingest_offsets`;
--> statement-breakpoint
INSERT INTO `outbox` (`sequence`, `topic`, `key`, `value`, `output_id`, `partition`)
  SELECT `id`, `topic`, `key`, `value`, `output_id`, NULL FROM `ingest_outbox` ORDER BY `id`;
--> statement-breakpoint
INSERT INTO `sqlite_sequence` (`name`, `seq`)
  SELECT 'outbox', 0 WHERE NOT EXISTS (SELECT 1 FROM `sqlite_sequence` WHERE `name` = 'outbox');
--> statement-breakpoint
UPDATE `sqlite_sequence`
  SET `seq` = MAX(`seq`, COALESCE((SELECT `seq` FROM `sqlite_sequence` WHERE `name` = 'ingest_outbox'), 0))
  WHERE `name` = 'outbox';
--> statement-breakpoint
INSERT INTO `meta` (`name`, `value`)
  SELECT 'producerEpoch', json_quote(`value`) FROM `ingest_meta` WHERE `name` = 'producerEpoch';
--> statement-breakpoint
INSERT INTO `meta` (`name`, `value`)
  SELECT 'stats', json_object(
    'records', COALESCE(SUM(CASE WHEN `name` = 'processed' THEN `value` END), 0),
    'deadLettered', COALESCE(SUM(CASE WHEN `name` = 'deadLettered' THEN `value` END), 0),
    'counts', json_object(
      'event', COALESCE(SUM(CASE WHEN `name` = 'events' THEN `value` END), 0),
      'duplicate', COALESCE(SUM(CASE WHEN `name` = 'duplicates' THEN `value` END), 0),
      'consent', COALESCE(SUM(CASE WHEN `name` = 'consentChanges' THEN `value` END), 0),
      'campaign', COALESCE(SUM(CASE WHEN `name` = 'campaigns' THEN `value` END), 0)))
  FROM `ingest_counters` HAVING COUNT(*) > 0;
--> statement-breakpoint
DELETE FROM `sqlite_sequence` WHERE `name` = 'ingest_outbox';
--> statement-breakpoint
DROP TABLE `ingest_counters`;--> statement-breakpoint
DROP TABLE `ingest_meta`;--> statement-breakpoint
DROP TABLE `ingest_offsets`;--> statement-breakpoint
DROP TABLE `ingest_outbox`;