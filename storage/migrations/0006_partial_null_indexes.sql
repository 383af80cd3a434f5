DROP INDEX `messages_ticket`;--> statement-breakpoint
CREATE INDEX `messages_ticket` ON `messages` (`ticket_id`) WHERE "messages"."ticket_id" is not null;--> statement-breakpoint
DROP INDEX `outbox_platform_message`;--> statement-breakpoint
CREATE INDEX `outbox_platform_message` ON `outbox` (`channel`,`platform_message_id`) WHERE "outbox"."platform_message_id" is not null;--> statement-breakpoint
DROP INDEX `tickets_first_response_at`;--> statement-breakpoint
DROP INDEX `tickets_resolved_at`;--> statement-breakpoint
DROP INDEX `tickets_closed_at`;--> statement-breakpoint
CREATE INDEX `tickets_first_response_at` ON `tickets` (`first_response_at`) WHERE "tickets"."first_response_at" is not null;--> statement-breakpoint
CREATE INDEX `tickets_resolved_at` ON `tickets` (`resolved_at`) WHERE "tickets"."resolved_at" is not null;--> statement-breakpoint
CREATE INDEX `tickets_closed_at` ON `tickets` (`closed_at`) WHERE "tickets"."closed_at" is not null;