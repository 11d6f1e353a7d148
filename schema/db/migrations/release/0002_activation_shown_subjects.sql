CREATE TABLE `release_shown_subjects` (
	`partner_id` text NOT NULL,
	`segment_id` text NOT NULL,
	`subject_id` text NOT NULL,
	PRIMARY KEY(`partner_id`, `segment_id`, `subject_id`)
);
