CREATE TABLE `channel_cursors` (
	`channel` text PRIMARY KEY NOT NULL,
	`cursor` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `classifier_corrections` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_id` integer NOT NULL,
	`text` text NOT NULL,
	`predicted` text NOT NULL,
	`corrected` text NOT NULL,
	`officer` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel` text NOT NULL,
	`external_id` text NOT NULL,
	`display_name` text,
	`consent_at` integer,
	`privacy_notice_at` integer,
	`reachable` integer DEFAULT true NOT NULL,
	`unreachable_reason` text,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_channel_external` ON `contacts` (`channel`,`external_id`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel` text NOT NULL,
	`external_id` text NOT NULL,
	`direction` text NOT NULL,
	`chat_id` text NOT NULL,
	`sender_id` text,
	`contact_id` integer,
	`ticket_id` integer,
	`purpose` text,
	`text` text NOT NULL,
	`attachments` text,
	`reply_to_external_id` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_channel_external` ON `messages` (`channel`,`external_id`);--> statement-breakpoint
CREATE INDEX `messages_ticket` ON `messages` (`ticket_id`);--> statement-breakpoint
CREATE INDEX `messages_contact` ON `messages` (`contact_id`,`at`);--> statement-breakpoint
CREATE INDEX `messages_chat` ON `messages` (`channel`,`chat_id`,`direction`,`id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel` text NOT NULL,
	`chat_id` text NOT NULL,
	`text` text NOT NULL,
	`purpose` text NOT NULL,
	`ticket_id` integer,
	`contact_id` integer,
	`reply_to_external_id` text,
	`urgent` integer DEFAULT false NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`platform_message_id` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_chat_state` ON `outbox` (`channel`,`chat_id`,`state`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_ticket` ON `outbox` (`ticket_id`,`purpose`);--> statement-breakpoint
CREATE TABLE `ticket_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_id` integer NOT NULL,
	`type` text NOT NULL,
	`actor` text NOT NULL,
	`from_status` text,
	`to_status` text,
	`note` text,
	`data` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_events_ticket` ON `ticket_events` (`ticket_id`,`id`);--> statement-breakpoint
CREATE TABLE `ticket_followers` (
	`ticket_id` integer NOT NULL,
	`contact_id` integer NOT NULL,
	`channel` text NOT NULL,
	`chat_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_followers_unique` ON `ticket_followers` (`ticket_id`,`contact_id`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`contact_id` integer NOT NULL,
	`channel` text NOT NULL,
	`chat_id` text NOT NULL,
	`summary` text NOT NULL,
	`category` text NOT NULL,
	`kind` text NOT NULL,
	`confidence` real NOT NULL,
	`status` text NOT NULL,
	`urgent` integer DEFAULT false NOT NULL,
	`confidential` integer DEFAULT false NOT NULL,
	`needs_triage` integer DEFAULT false NOT NULL,
	`dusun` text,
	`rw` integer,
	`rt` integer,
	`latitude` real,
	`longitude` real,
	`assignee` text,
	`merged_into` integer,
	`referred_to` text,
	`close_reason` text,
	`created_at` integer NOT NULL,
	`last_activity_at` integer NOT NULL,
	`first_response_at` integer,
	`resolved_at` integer,
	`closed_at` integer,
	`rating_requested_at` integer,
	`rating` integer,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_code_unique` ON `tickets` (`code`);--> statement-breakpoint
CREATE INDEX `tickets_contact_status` ON `tickets` (`contact_id`,`status`);--> statement-breakpoint
CREATE INDEX `tickets_status_created` ON `tickets` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_assignee_status` ON `tickets` (`assignee`,`status`);