CREATE TABLE IF NOT EXISTS `privacy_budget` (
	`partner_id` text NOT NULL,
	`contract_version` text NOT NULL,
	`budget_window` text NOT NULL,
	`window_start` text NOT NULL,
	`epsilon_spent_micro` integer DEFAULT 0 NOT NULL,
	`spends` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`partner_id`, `contract_version`, `budget_window`, `window_start`),
	CONSTRAINT "privacy_budget_spent" CHECK("privacy_budget"."epsilon_spent_micro" >= 0)) STRICT;
