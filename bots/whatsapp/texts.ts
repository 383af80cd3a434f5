// What officers read about this channel (Indonesian).

/** Sent to officers on the other channels when the village number is logged out. */
export function loggedOutAlert(reason: string): string {
  return (
    `🚨 WhatsApp desa terputus (${reason}). Pesan warga lewat WhatsApp tidak diterima sampai nomor desa ditautkan lagi: ` +
    'buka halaman /whatsapp/qr di server Aspirasi Desa dan pindai kode QR dari ponsel desa (WhatsApp > Perangkat tertaut).'
  );
}
