CREATE TABLE `summaries` (
	`week` text PRIMARY KEY NOT NULL,
	`posted_at` integer NOT NULL,
	`text` text NOT NULL,
	`stats` text NOT NULL,
	`image_path` text
);
--> statement-breakpoint
CREATE INDEX `tickets_created_at` ON `tickets` (`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_first_response_at` ON `tickets` (`first_response_at`);--> statement-breakpoint
CREATE INDEX `tickets_resolved_at` ON `tickets` (`resolved_at`);--> statement-breakpoint
CREATE INDEX `tickets_closed_at` ON `tickets` (`closed_at`);