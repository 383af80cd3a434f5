DROP INDEX `tickets_status_response_due`;--> statement-breakpoint
DROP INDEX `tickets_status_resolution_due`;--> statement-breakpoint
ALTER TABLE `outbox` ADD `attachment` text;