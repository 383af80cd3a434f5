// Every text a resident or officer reads, in Indonesian, in one place.
import type { Category, Kind, Role, Status } from './domain.ts';
import type { MessageAction } from './types.ts';

/** Buttons under a ticket notification; each sends the command as the officer who presses it. */
export function ticketActions(code: string): MessageAction[] {
  return [
    { label: 'Ambil', command: `/ambil ${code}` },
    { label: 'Alihkan', command: `/alihkan ${code}` },
    { label: 'Selesai', command: `/selesai ${code}` },
    { label: 'Tolak', command: `/tolak ${code}` },
  ];
}

/** Rating buttons: pressing one sends the digit, as if the resident had typed it. */
export function ratingActions(): MessageAction[] {
  return [1, 2, 3, 4, 5].map((stars) => ({ label: '⭐'.repeat(stars), command: String(stars) }));
}

export const CATEGORY_LABELS: Record<Category, string> = {
  infrastruktur: 'Infrastruktur (jalan, jembatan, saluran)',
  air_bersih: 'Air bersih',
  listrik: 'Listrik dan penerangan jalan',
  kesehatan: 'Kesehatan',
  pendidikan: 'Pendidikan',
  kependudukan: 'Kependudukan dan surat-menyurat',
  bansos: 'Bantuan sosial',
  keamanan: 'Keamanan dan ketertiban',
  lingkungan: 'Lingkungan dan kebersihan',
  bencana: 'Bencana',
  pertanian: 'Pertanian, peternakan dan usaha',
  keuangan_desa: 'Keuangan desa',
  pelayanan_aparat: 'Pelayanan aparat desa',
  lainnya: 'Lainnya',
};

export const KIND_LABELS: Record<Kind, string> = {
  pengaduan: 'Pengaduan',
  usulan: 'Usulan',
  pertanyaan: 'Pertanyaan',
};

export const STATUS_LABELS: Record<Status, string> = {
  new: 'Baru',
  assigned: 'Sudah ada petugas',
  in_progress: 'Sedang ditangani',
  resolved: 'Selesai ditangani',
  closed: 'Ditutup',
  rejected: 'Ditolak',
  referred: 'Dirujuk ke instansi lain',
  merged: 'Digabung',
};

export const ROLE_LABELS: Record<Role, string> = {
  kades: 'Kepala Desa',
  sekdes: 'Sekretaris Desa',
  kasi_pemerintahan: 'Kasi Pemerintahan',
  kasi_kesejahteraan: 'Kasi Kesejahteraan',
  kasi_pelayanan: 'Kasi Pelayanan',
  kaur_umum: 'Kaur Umum',
  kaur_keuangan: 'Kaur Keuangan',
  kaur_perencanaan: 'Kaur Perencanaan',
  kadus: 'Kepala Dusun',
  bpd_ketua: 'Ketua BPD',
  bpd_wakil: 'Wakil Ketua BPD',
  bpd_sekretaris: 'Sekretaris BPD',
  bpd_anggota: 'Anggota BPD',
};

function statusLabel(status: string): string {
  return STATUS_LABELS[status as Status] ?? status;
}

export const residentText = {
  privacyNotice: (villageName: string) =>
    `ℹ️ Privasi: ${villageName} menyimpan pesan Anda, nama tampilan dan nomor/akun pengirim untuk menindaklanjuti laporan. ` +
    'Isi laporan hanya dilihat perangkat desa dan BPD yang menanganinya. Ringkasan mingguan yang diumumkan tidak memuat nama, nomor, atau isi pesan Anda. ' +
    'Ketik "data saya" untuk melihat data Anda, atau "hapus data saya" untuk menghapusnya.',

  acknowledgement: (code: string, categoryLabel: string, handlerLabel: string | undefined, urgent: boolean) =>
    `Terima kasih, laporan Anda sudah kami terima dengan nomor ${code}.\n` +
    `Kategori: ${categoryLabel}.\n` +
    (handlerLabel ? `Diteruskan ke: ${handlerLabel}.\n` : 'Petugas desa akan memilah dan meneruskannya ke yang berwenang.\n') +
    (urgent ? 'Laporan ini kami tandai MENDESAK dan langsung disampaikan ke Kepala Desa.\n' : '') +
    `Simpan nomor ${code}. Ketik "status" untuk melihat perkembangan laporan Anda.`,

  confidentialAcknowledgement: (code: string) =>
    `Terima kasih, laporan Anda sudah kami terima dengan nomor ${code}.\n` +
    'Laporan ini kami perlakukan RAHASIA dan hanya diteruskan ke BPD (Badan Permusyawaratan Desa), bukan ke perangkat desa yang dilaporkan.\n' +
    `Ketik "status" untuk melihat perkembangannya.`,

  followUpAdded: (code: string) =>
    `Tambahan keterangan Anda sudah dicatat di laporan ${code} dan diteruskan ke petugas.`,

  emptyMessage: () =>
    'Pesan Anda kosong. Silakan tulis laporan, usulan, atau pertanyaan Anda dalam bentuk teks, misalnya: "Lampu jalan di RT 02 mati sejak kemarin."',

  needsText: () =>
    'Pesan Anda sudah kami simpan, tetapi kami belum bisa membacanya sebagai laporan. ' +
    'Mohon tulis singkat apa yang ingin Anda laporkan (apa, di mana, sejak kapan) agar bisa diteruskan ke petugas.',

  statusNone: () => 'Anda belum punya laporan. Tulis saja laporan, usulan, atau pertanyaan Anda di sini.',

  statusList: (lines: string[]) => `Laporan Anda:\n${lines.join('\n')}`,

  statusLine: (code: string, status: string, summary: string) => `• ${code} — ${statusLabel(status)}: ${summary}`,

  handlerAssigned: (code: string, handlerLabel: string) => `Laporan ${code} sekarang ditangani oleh ${handlerLabel}.`,

  officerReply: (code: string, handlerLabel: string, text: string) => `Tanggapan untuk laporan ${code} dari ${handlerLabel}:\n${text}`,

  resolved: (code: string, text: string) =>
    `Laporan ${code} telah selesai ditangani.\n${text}\n\n` +
    'Bagaimana penanganannya? Balas dengan angka 1 sampai 5 (1 = sangat buruk, 5 = sangat baik).',

  /** For residents following a ticket (their duplicate was merged into it): only the reporter rates it. */
  resolvedForFollower: (code: string, text: string) => `Laporan ${code} telah selesai ditangani.\n${text}`,

  defaultResolution: () => 'Terima kasih atas laporan Anda.',

  rejected: (code: string, reason: string) => `Mohon maaf, laporan ${code} tidak dapat kami tindak lanjuti.\nAlasan: ${reason}`,

  referred: (code: string, target: string, note: string | undefined) =>
    `Laporan ${code} berada di luar kewenangan desa dan telah kami teruskan ke ${target}.` +
    (note ? `\nKeterangan: ${note}` : '') +
    '\nAnda juga dapat memantau atau melapor langsung melalui SP4N-LAPOR! (lapor.go.id).',

  merged: (code: string, survivorCode: string) =>
    `Laporan ${code} sama dengan laporan ${survivorCode} yang sedang ditangani, jadi kami gabungkan. ` +
    `Anda akan menerima kabar perkembangan ${survivorCode}.`,

  reopened: (code: string) => `Laporan ${code} kami buka kembali dan tanggapan Anda diteruskan ke petugas.`,

  ratingThanks: (code: string, rating: number) =>
    `Terima kasih atas penilaian ${rating}/5 untuk laporan ${code}. Masukan Anda membantu desa memperbaiki pelayanan.`,

  help: () =>
    'Cara menggunakan layanan aspirasi desa:\n' +
    '• Tulis laporan, usulan, atau pertanyaan Anda langsung di sini (apa, di mana, sejak kapan).\n' +
    '• Ketik "status" atau "cek" untuk melihat laporan Anda.\n' +
    '• Setelah laporan selesai, balas dengan angka 1–5 untuk menilai penanganannya.\n' +
    '• Ketik "data saya" (/dataku) untuk melihat data Anda yang kami simpan, atau "hapus data saya" (/hapus) untuk menghapusnya.',

  welcome: (villageName: string) =>
    `Selamat datang di layanan aspirasi ${villageName}. Silakan tulis laporan, usulan, atau pertanyaan Anda.`,

  unknownCommand: (command: string) => `Perintah ${command} tidak dikenal.`,

  officersOnly: (command: string, senderId: string) =>
    `Maaf, perintah ${command} hanya untuk perangkat desa dan anggota BPD yang terdaftar. ` +
    'Jika Anda warga, tulis saja laporan Anda seperti biasa, atau ketik "status" untuk melihat laporan Anda.\n' +
    `(Petugas yang belum terdaftar: minta admin mencatat ID ini di profil desa: ${senderId})`,
};

export const officerText = {
  notification: (input: {
    code: string;
    kindLabel: string;
    categoryLabel: string;
    confidence: number;
    alternatives: string[];
    place: string | undefined;
    urgent: boolean;
    confidential: boolean;
    needsTriage: boolean;
    assigneeLabel: string | undefined;
    text: string;
    reporterLabel: string;
  }) =>
    [
      `${input.urgent ? '🚨 MENDESAK — ' : ''}${input.confidential ? '🔒 RAHASIA — ' : ''}Tiket baru ${input.code} (${input.kindLabel})`,
      `Kategori: ${input.categoryLabel} (${Math.round(input.confidence * 100)}%)` +
        (input.alternatives.length > 0 ? `; alternatif: ${input.alternatives.join(', ')}` : ''),
      input.place ? `Lokasi: ${input.place}` : undefined,
      input.needsTriage ? 'Perlu dipilah: belum ada petugas. Gunakan /alihkan atau /kategori.' : `Petugas: ${input.assigneeLabel ?? '-'}`,
      `Pelapor: ${input.reporterLabel}`,
      '',
      input.text,
      '',
      `Balas pesan ini untuk menjawab pelapor, atau /ambil ${input.code}, /lihat ${input.code}.`,
    ]
      .filter((line) => line !== undefined)
      .join('\n'),

  /** One burst's notifications for one chat; `from` is the index of the first line (for "(lanjutan)"). */
  digest: (lines: string[], total: number, from: number) =>
    [
      from === 0 ? `📥 ${total} pesan warga masuk bersamaan:` : `📥 Lanjutan (${from + 1}–${from + lines.length} dari ${total}):`,
      ...lines.map((line) => `• ${line}`),
      '',
      'Ketik /lihat KODE untuk rincian dan menjawab, atau /ambil KODE untuk menangani.',
    ].join('\n'),
  digestNew: (code: string, categoryLabel: string, place: string | undefined, text: string) =>
    `${code} baru · ${categoryLabel}${place ? ` · ${place}` : ''}: ${text}`,
  digestFollowUp: (code: string, text: string) => `${code} tambahan dari pelapor: ${text}`,

  followUp: (code: string, text: string) => `Tambahan dari pelapor ${code}:\n${text}\n\nBalas pesan ini untuk menjawab pelapor.`,

  assignedToYou: (code: string, by: string, summary: string) =>
    `Tiket ${code} dialihkan kepada Anda oleh ${by}:\n${summary}\n\nBalas pesan ini untuk menjawab pelapor.`,

  rated: (code: string, rating: number) => `Pelapor ${code} memberi nilai ${rating}/5.`,
  deliveryFailed: (code: string, excerpt: string, reason: string) =>
    `⚠️ Pesan untuk pelapor ${code} tidak terkirim: ${reason}\nPesan: "${excerpt}"\n` +
    'Hubungi pelapor lewat cara lain bila perlu (lihat /lihat ' + code + ').',

  help: () =>
    'Perintah petugas:\n' +
    '/tiket — tiket saya; /tiket terbuka; /tiket antrean; /tiket lewat (lewat tenggat)\n' +
    '/lihat 42 — rincian tiket\n' +
    '/ambil 42 — saya tangani\n' +
    '/balas 42 teks — jawab pelapor (atau balas langsung pesan notifikasi)\n' +
    '/alihkan 42 kadus_krajan — alihkan ke petugas lain (id atau jabatan)\n' +
    '/kategori 42 air_bersih — ganti kategori\n' +
    '/catatan 42 teks — catatan internal (tidak dikirim ke pelapor)\n' +
    '/selesai 42 teks — tandai selesai dan minta penilaian\n' +
    '/tolak 42 alasan — tolak dengan alasan\n' +
    '/gabung 42 17 — gabungkan 42 (duplikat) ke 17\n' +
    '/rujuk 42 kecamatan — rujuk ke luar desa\n' +
    '/masuk — tautan masuk ke dasbor web (di chat pribadi)\n' +
    '/bantuan — daftar ini',

  usage: (usage: string) => `Format: ${usage}`,
  ticketNotFound: (ref: string) => `Tiket ${ref} tidak ditemukan.`,
  confidentialHere: (code: string) => `Tiket ${code} bersifat rahasia. Buka di chat pribadi dengan bot.`,
  confidentialDenied: (code: string) => `Tiket ${code} bersifat rahasia dan hanya dapat ditangani BPD.`,
  alreadyClosed: (code: string, status: string) => `Tiket ${code} sudah berstatus "${statusLabel(status)}".`,
  alreadyResolved: (code: string) =>
    `Tiket ${code} sudah selesai ditangani dan pelapor sudah diminta menilai. Jika ternyata belum beres, pelapor dapat membalas pesan penyelesaiannya untuk membukanya kembali; untuk memberi kabar, gunakan /balas ${code} ...`,
  mergedInto: (code: string, survivor: string) => `Tiket ${code} sudah digabung ke ${survivor}.`,
  claimed: (code: string, previous: string | undefined) =>
    `Tiket ${code} sekarang Anda tangani.` + (previous ? ` (sebelumnya: ${previous})` : ''),
  replied: (code: string) => `Jawaban untuk ${code} dikirim ke pelapor.`,
  reassigned: (code: string, to: string) => `Tiket ${code} dialihkan ke ${to}.`,
  unknownOfficer: (ref: string, ids: string[]) => `Petugas "${ref}" tidak dikenal. Pilihan: ${ids.join(', ')}`,
  unknownCategory: (ref: string, slugs: readonly string[]) => `Kategori "${ref}" tidak dikenal. Pilihan: ${slugs.join(', ')}`,
  recategorised: (code: string, from: string, to: string, rerouted: string | undefined) =>
    `Kategori ${code}: ${from} -> ${to}. Koreksi disimpan untuk melatih klasifikasi.` +
    (rerouted ? ` Diteruskan ke ${rerouted}.` : ''),
  sameCategory: (code: string, category: string) => `Kategori ${code} sudah ${category}; tidak ada yang diubah.`,
  noted: (code: string) => `Catatan internal disimpan di ${code} (tidak dikirim ke pelapor).`,
  resolvedDone: (code: string) => `Tiket ${code} ditandai selesai; pelapor diminta memberi nilai.`,
  rejectedDone: (code: string) => `Tiket ${code} ditolak; alasan dikirim ke pelapor.`,
  mergedDone: (code: string, survivor: string) => `Tiket ${code} digabung ke ${survivor}; pelapornya mengikuti ${survivor}.`,
  sameTicket: () => 'Tiket tidak bisa digabung dengan dirinya sendiri.',
  referredDone: (code: string, target: string) => `Tiket ${code} dirujuk ke ${target}; pelapor diberi tahu.`,
  emptyList: (title: string) => `${title}: tidak ada.`,
  list: (title: string, lines: string[], more: boolean) =>
    `${title}:\n${lines.join('\n')}${more ? '\n… (lebih banyak; persempit dengan /tiket saya atau /lihat)' : ''}`,
  listLine: (code: string, status: string, category: string, age: string, summary: string, flags: string) =>
    `• ${code} ${flags}[${statusLabel(status)}] ${category}, ${age}: ${summary}`,
  unknownCommand: (command: string) => `Perintah ${command} tidak dikenal. Ketik /bantuan untuk daftar perintah.`,
  privateHint: () =>
    'Anda terdaftar sebagai petugas. Untuk menjawab warga, balas (reply) pesan notifikasi tiketnya atau tulis /balas 42 teks jawaban. ' +
    'Ketik /tiket untuk tiket Anda dan /bantuan untuk semua perintah.',
  details: (lines: string[]) => lines.join('\n'),
  loginLink: (url: string) =>
    `Tautan masuk dasbor Aspirasi Desa (berlaku 15 menit, sekali pakai):\n${url}\n\n` +
    'Jangan teruskan tautan ini kepada siapa pun. Jika Anda tidak memintanya, abaikan pesan ini.',
  loginLinkPrivateOnly: () => 'Tautan masuk dasbor hanya dikirim lewat chat pribadi. Ketik /masuk di chat pribadi dengan bot.',
};

/** Residents' data rights (/dataku, /hapus) and what officers see of them. */
export const privacyText = {
  privateChatOnly: (command: string) =>
    `Demi keamanan data Anda, ${command} hanya dapat digunakan di chat pribadi dengan bot, bukan di grup. ` +
    `Silakan kirim ${command} lewat chat pribadi.`,

  onlyOwnData: (command: string) =>
    `Maaf, ${command} hanya untuk data Anda sendiri, dan hanya dari chat Anda sendiri. ` +
    'Data atau laporan orang lain tidak dapat dilihat maupun dihapus lewat perintah ini. ' +
    `Ketik ${command} saja, tanpa tambahan apa pun.`,

  exportHeader: (input: {
    village: string;
    account: string;
    displayName: string | null;
    firstSeen: string;
    lastSeen: string;
    consent: string | undefined;
    privacyNotice: string | undefined;
    tickets: string[];
  }) =>
    [
      `Data Anda yang tersimpan di layanan aspirasi ${input.village}:`,
      `• Akun: ${input.account}`,
      `• Nama tampilan: ${input.displayName ?? '(tidak ada)'}`,
      `• Pertama menghubungi: ${input.firstSeen}; terakhir: ${input.lastSeen}`,
      `• Persetujuan: ${input.consent ?? 'tidak tercatat'}; pemberitahuan privasi dikirim: ${input.privacyNotice ?? 'belum'}`,
      '',
      input.tickets.length > 0 ? `Laporan Anda (${input.tickets.length}):\n${input.tickets.join('\n')}` : 'Laporan Anda: tidak ada.',
    ].join('\n'),

  moreTickets: (count: number) => `… dan ${count} laporan lain.`,

  exportBody: (head: string, messageLines: string[], total: number, notShown: number) =>
    `${head}\n\n` +
    (total === 0 ? 'Pesan Anda: tidak ada.' : `Pesan yang Anda kirim (${total}, terbaru dulu):\n${messageLines.join('\n')}`) +
    (notShown > 0
      ? `\n… ${notShown} pesan lain tidak ditampilkan di sini. Petugas desa dapat mengekspor seluruh data Anda bila Anda minta.`
      : '') +
    '\n\nUntuk menghapus data Anda, ketik /hapus.',

  deletionConfirm: (openCodes: string[]) =>
    'Anda meminta agar data pribadi Anda dihapus.\n' +
    'Yang dihapus: nama tampilan, nomor/akun Anda (diganti kode acak), serta nama, nomor telepon, NIK, dan e-mail di dalam pesan-pesan Anda.\n' +
    'Yang tetap disimpan sebagai statistik tanpa identitas: nomor laporan, kategori, tanggal, waktu penanganan, dan penilaian.\n' +
    (openCodes.length > 0
      ? `Laporan Anda yang masih berjalan (${openCodes.join(', ')}) akan ditutup dan tidak dapat lagi dijawab petugas.\n`
      : '') +
    'Balas YA HAPUS dalam 24 jam untuk menghapus data Anda. Jika tidak, tidak ada yang dihapus.',

  deletionDone: () =>
    'Data pribadi Anda sudah dihapus. Nomor laporan, kategori, dan tanggal tetap tersimpan sebagai statistik tanpa identitas. ' +
    'Jika Anda menulis lagi, pesan Anda akan dicatat sebagai kontak dan laporan baru.',

  noPendingDeletion: () =>
    'Tidak ada permintaan penghapusan data yang menunggu konfirmasi. Ketik /hapus jika Anda ingin menghapus data Anda.',

  deletionExpired: () =>
    'Permintaan penghapusan data Anda sudah kedaluwarsa (lebih dari 24 jam), jadi tidak ada yang dihapus. ' +
    'Ketik /hapus lagi bila Anda masih ingin menghapus data Anda.',

  closeReason: () => 'Pelapor meminta datanya dihapus',

  ticketClosedForOfficer: (code: string) =>
    `Tiket ${code} ditutup: pelapor meminta datanya dihapus. Tiket ini tidak dapat dijawab lagi.`,

  deletionRequestedForOfficer: (date: string) => `Pelapor meminta datanya dihapus pada ${date}.`,

  cannotAnswer: (code: string) =>
    `Tiket ${code} tidak dapat dijawab: data pelapornya sudah dihapus atau dianonimkan, sehingga pesan tidak bisa sampai kepadanya.`,

  anonymizedForOfficer: (date: string) => `Data pribadi pelapor sudah dianonimkan (masa simpan habis) pada ${date}.`,
};

export { statusLabel };

/** A date and time as officers and residents read it, in the village's time zone: "27 Nov 2026, 10.00". */
export function formatVillageTime(timezone: string, at: number): string {
  return new Intl.DateTimeFormat('id-ID', { timeZone: timezone, dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

/** Deadline reminders and escalations to officers. */
export const deadlineText = {
  reminderTitle: (day: string) => `⏰ Pengingat tenggat — ${day}`,
  overdueHeading: (count: number) => `Lewat tenggat (${count}):`,
  dueTodayHeading: (count: number) => `Jatuh tempo hari ini (${count}):`,
  line: (code: string, summary: string, what: string) => `• ${code} · ${summary} — ${what}`,
  responseMissed: (since: string) => `belum ada tanggapan pertama, tenggat ${since}`,
  resolutionMissed: (since: string) => `belum selesai, tenggat ${since}`,
  responseDue: (at: string) => `tanggapan pertama paling lambat ${at}`,
  resolutionDue: (at: string) => `penyelesaian paling lambat ${at}`,
  more: (count: number) => `… dan ${count} tiket lagi. Ketik /tiket untuk daftar lengkap.`,
  reminderFooter: () => 'Tanggapi lewat tombol atau perintah biasa (/balas, /selesai). Ketik /tiket untuk daftar tiket Anda.',
  escalation: (input: { code: string; step: string; missed: string; category: string; place?: string; handler: string; summary?: string }) =>
    `🔺 Eskalasi ${input.code} (${input.step})\n` +
    `${input.missed}\n` +
    `Kategori: ${input.category}${input.place ? ` · ${input.place}` : ''} · ditangani: ${input.handler}` +
    (input.summary ? `\n"${input.summary}"` : '') +
    `\n\nMohon dipastikan ada tindak lanjut. Ketik /lihat ${input.code} untuk rincian.`,
  escalationMissedResponse: (since: string) => `Belum ada tanggapan pertama kepada pelapor; tenggat ${since}.`,
  escalationMissedResolution: (since: string) => `Belum selesai ditangani; tenggat ${since}.`,
  unassigned: () => 'belum ada petugas',
};
