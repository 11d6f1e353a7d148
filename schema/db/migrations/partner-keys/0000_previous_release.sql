CREATE TABLE IF NOT EXISTS `partner_key_epochs` (
	`partner_id` text NOT NULL,
	`epoch` integer NOT NULL,
	`salt` blob NOT NULL,
	`started_at` integer NOT NULL,
	`valid_until` integer,
	PRIMARY KEY(`partner_id`, `epoch`));
