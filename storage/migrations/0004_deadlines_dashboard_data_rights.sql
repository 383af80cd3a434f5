CREATE TABLE `data_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contact_id` integer NOT NULL,
	`kind` text NOT NULL,
	`state` text NOT NULL,
	`requested_at` integer NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `data_requests_contact` ON `data_requests` (`contact_id`,`state`);--> statement-breakpoint
CREATE TABLE `job_runs` (
	`job` text NOT NULL,
	`period` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`detail` text,
	PRIMARY KEY(`job`, `period`)
);
--> statement-breakpoint
CREATE TABLE `login_links` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`officer_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE TABLE `officer_credentials` (
	`officer_id` text PRIMARY KEY NOT NULL,
	`password_hash` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `web_sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`officer_id` text NOT NULL,
	`csrf_token` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `web_sessions_officer` ON `web_sessions` (`officer_id`);--> statement-breakpoint
ALTER TABLE `contacts` ADD `deletion_requested_at` integer;--> statement-breakpoint
ALTER TABLE `contacts` ADD `anonymized_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `response_due_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `resolution_due_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `escalation_level` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `escalated_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `anonymized_at` integer;--> statement-breakpoint
CREATE INDEX `tickets_status_response_due` ON `tickets` (`status`,`response_due_at`);--> statement-breakpoint
CREATE INDEX `tickets_status_resolution_due` ON `tickets` (`status`,`resolution_due_at`);