// Routing (DESIGN.md): who handles a new ticket, who else is told, and whether a human must triage it.
import type { Officer, VillageProfile } from '../config/profile.ts';
import type { Classification } from './classifier/types.ts';
import type { Role } from './domain.ts';
import type { Place } from './gazetteer.ts';
import type { OfficerDirectory } from './officers.ts';

export interface RoutingDecision {
  /** The officer who handles the ticket; undefined while it waits in the triage queue. */
  assignee?: Officer;
  /** Officers told about the ticket besides the assignee (dusun kadus, triage sorters, kades if urgent). */
  notify: Officer[];
  /** Whether the officers' group chats see the ticket (never for confidential tickets). */
  notifyGroups: boolean;
  confidential: boolean;
  needsTriage: boolean;
  urgent: boolean;
  /** Why, in words for the ticket's event log. */
  reasons: string[];
}

/** A routing decision with officers named by id, as it crosses from the classifier's thread. */
export interface RoutingByIds extends Omit<RoutingDecision, 'assignee' | 'notify'> {
  assignee?: string;
  notify: string[];
}

/** Where a text points and who handles it, worked out beside its classification (BackgroundClassifier). */
export interface Routed {
  place: Place;
  decision: RoutingByIds;
}

export function decisionByIds(decision: RoutingDecision): RoutingByIds {
  return { ...decision, assignee: decision.assignee?.id, notify: decision.notify.map((officer) => officer.id) };
}

/** The decision with its officers looked up again; undefined if one is not in the directory. */
export function decisionFromIds(officers: OfficerDirectory, decision: RoutingByIds): RoutingDecision | undefined {
  const assignee = decision.assignee === undefined ? undefined : officers.byId(decision.assignee);
  const notify = decision.notify.map((id) => officers.byId(id));
  if ((decision.assignee !== undefined && !assignee) || notify.some((officer) => !officer)) return undefined;
  return { ...decision, assignee, notify: notify as Officer[] };
}

const BPD_ORDER: Role[] = ['bpd_ketua', 'bpd_wakil', 'bpd_sekretaris', 'bpd_anggota'];

export function route(
  profile: VillageProfile,
  officers: OfficerDirectory,
  classification: Classification,
  place: Place,
  text: string,
): RoutingDecision {
  const reasons: string[] = [];
  const urgent = classification.urgent;
  const dusunKadus = place.dusun ? officers.withRole('kadus', place.dusun) : [];

  // A complaint about an official goes to the BPD chair (or the next BPD member not named), confidential.
  const named = officers.namedIn(text, place.dusun);
  const aboutOfficial =
    classification.category === 'pelayanan_aparat' || (named.length > 0 && classification.kind === 'pengaduan');
  if (aboutOfficial) {
    const excluded = new Set(named.map((officer) => officer.id));
    const handler = BPD_ORDER.flatMap((role) => officers.withRole(role)).find((officer) => !excluded.has(officer.id));
    reasons.push(
      named.length > 0
        ? `menyebut ${named.map((officer) => officer.id).join(', ')}: rahasia, ke BPD`
        : 'pengaduan tentang pelayanan aparat: rahasia, ke BPD',
    );
    return {
      assignee: handler,
      notify: [],
      notifyGroups: false,
      confidential: true,
      needsTriage: handler === undefined,
      urgent,
      reasons,
    };
  }

  const notify = new Map<string, Officer>();
  const add = (list: Officer[]) => list.forEach((officer) => notify.set(officer.id, officer));
  if (dusunKadus.length > 0) reasons.push(`menyebut dusun ${place.dusun}`);

  let assignee: Officer | undefined;
  let needsTriage = false;
  if (classification.confidence < profile.triage.confidence_threshold) {
    needsTriage = true;
    reasons.push(
      `keyakinan ${Math.round(classification.confidence * 100)}% di bawah ambang ${Math.round(profile.triage.confidence_threshold * 100)}%: antrean triase`,
    );
    add(profile.triage.queue_roles.flatMap((role) => officers.withRole(role)));
  } else {
    const handlers = profile.routing[classification.category].flatMap((role) =>
      role === 'kadus' ? dusunKadus : officers.withRole(role),
    );
    assignee = handlers[0];
    add(handlers.slice(1));
    if (assignee) reasons.push(`kategori ${classification.category} -> ${assignee.id}`);
    else {
      needsTriage = true;
      reasons.push(`tidak ada petugas untuk kategori ${classification.category}: antrean triase`);
      add(profile.triage.queue_roles.flatMap((role) => officers.withRole(role)));
    }
  }
  add(dusunKadus);
  if (urgent) {
    add(officers.withRole('kades'));
    reasons.push('mendesak: kades diberi tahu segera');
  }
  if (assignee) notify.delete(assignee.id);
  return { assignee, notify: [...notify.values()], notifyGroups: true, confidential: false, needsTriage, urgent, reasons };
}
