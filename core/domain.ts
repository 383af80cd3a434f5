// The fixed vocabulary of the domain (DESIGN.md): categories, kinds, roles, statuses.

export const CATEGORIES = [
  'infrastruktur',
  'air_bersih',
  'listrik',
  'kesehatan',
  'pendidikan',
  'kependudukan',
  'bansos',
  'keamanan',
  'lingkungan',
  'bencana',
  'pertanian',
  'keuangan_desa',
  'pelayanan_aparat',
  'lainnya',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const KINDS = ['pengaduan', 'usulan', 'pertanyaan'] as const;
export type Kind = (typeof KINDS)[number];

export const ROLES = [
  'kades',
  'sekdes',
  'kasi_pemerintahan',
  'kasi_kesejahteraan',
  'kasi_pelayanan',
  'kaur_umum',
  'kaur_keuangan',
  'kaur_perencanaan',
  'kadus',
  'bpd_ketua',
  'bpd_wakil',
  'bpd_sekretaris',
  'bpd_anggota',
] as const;
export type Role = (typeof ROLES)[number];

export const STATUSES = [
  'new',
  'assigned',
  'in_progress',
  'resolved',
  'closed',
  'rejected',
  'referred',
  'merged',
] as const;
export type Status = (typeof STATUSES)[number];

/**
 * Default routing (DESIGN.md): the first role is the handler who gets the ticket, the others are
 * notified. `kadus` means the kadus of the dusun named in the message.
 */
export const DEFAULT_ROUTING: Record<Category, Role[]> = {
  infrastruktur: ['kasi_kesejahteraan', 'kadus'],
  air_bersih: ['kasi_kesejahteraan'],
  listrik: ['kaur_umum'],
  kesehatan: ['kasi_kesejahteraan'],
  pendidikan: ['kasi_kesejahteraan'],
  kependudukan: ['kasi_pemerintahan'],
  bansos: ['kasi_kesejahteraan'],
  keamanan: ['kasi_pemerintahan', 'kadus'],
  lingkungan: ['kasi_kesejahteraan', 'kadus'],
  bencana: ['kasi_pemerintahan', 'kades'],
  pertanian: ['kasi_kesejahteraan'],
  keuangan_desa: ['bpd_ketua'],
  pelayanan_aparat: ['bpd_ketua'],
  lainnya: ['bpd_sekretaris'],
};

export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
