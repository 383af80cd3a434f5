// A keyword baseline behind the Classifier interface: no training, used when no model file can be
// loaded and as the urgency safety net of the trained model.
import { CATEGORIES, type Category } from '../domain.ts';
import { normalizeText } from '../text.ts';
import type { Classification, Classifier } from './types.ts';

/** Keywords per category; a phrase matches as a prefix of a word, so "rusak" matches "rusaknya". */
const KEYWORDS: Record<Category, string[]> = {
  infrastruktur: [
    'jalan rusak', 'jalan berlubang', 'jalan', 'jln rusak', 'jln', 'jalannya', 'gang', 'gg', 'jembatan', 'aspal', 'berlubang', 'lubang', 'ambles', 'got',
    'selokan', 'drainase', 'gorong', 'saluran', 'talud', 'paving', 'cor', 'balai desa', 'gedung', 'pos ronda',
    'rabat', 'makadam', 'kubangan', 'becek', 'trotoar', 'polisi tidur',
  ],
  air_bersih: [
    'air bersih', 'pamsimas', 'pdam', 'sumur', 'air mati', 'air tidak mengalir', 'air gak ngalir', 'air ga ngalir',
    'air keruh', 'pipa', 'kran', 'keran', 'tandon', 'mata air', 'sumber air', 'krisis air', 'kekeringan', 'air minum',
    'ledeng', 'ngalir',
  ],
  listrik: [
    'lampu', 'lampu jalan', 'lampu jln', 'lampu mati', 'lampu pju', 'listrik padam', 'listrik mati', 'pju', 'penerangan', 'listrik', 'tiang listrik', 'kabel', 'pln', 'gelap', 'korslet', 'konslet',
    'meteran', 'token', 'trafo', 'padam',
  ],
  kesehatan: [
    'posyandu', 'stunting', 'dbd', 'demam berdarah', 'nyamuk', 'fogging', 'pustu', 'puskesmas', 'ambulans', 'ambulan',
    'sakit', 'bidan', 'gizi', 'imunisasi', 'bpjs', 'kis', 'obat', 'berobat', 'diare', 'lansia', 'jentik', 'kesehatan',
    'dokter', 'rumah sakit', 'odgj',
  ],
  pendidikan: [
    'paud', 'tk', 'sekolah', 'sd', 'smp', 'sma', 'beasiswa', 'tpq', 'tpa', 'ngaji', 'perpustakaan', 'guru', 'murid',
    'siswa', 'kip', 'pip', 'pendidikan', 'les', 'belajar',
  ],
  kependudukan: [
    'ktp', 'e ktp', 'kk', 'kartu keluarga', 'akta', 'akte', 'surat pengantar', 'surat keterangan', 'sktm', 'domisili',
    'pindah', 'kependudukan', 'dukcapil', 'capil', 'nik', 'surat kematian', 'kelahiran', 'kia', 'skck', 'surat usaha',
  ],
  bansos: [
    'blt', 'bansos', 'bantuan sosial', 'pkh', 'bpnt', 'dtks', 'rutilahu', 'bedah rumah', 'rtlh', 'sembako', 'bantuan',
    'penerima', 'tidak dapat bantuan', 'ga dapat', 'gak dapet', 'miskin', 'tidak mampu', 'beras', 'raskin', 'jaminan',
  ],
  keamanan: [
    'maling', 'pencurian', 'dicuri', 'curi', 'kemalingan', 'begal', 'tawuran', 'berkelahi', 'judi', 'judol', 'sabung',
    'miras', 'mabuk', 'narkoba', 'sabu', 'ronda', 'siskamling', 'balap liar', 'trek trekan', 'knalpot', 'preman',
    'keamanan', 'rawan', 'copet', 'pemalakan', 'onar', 'ribut',
  ],
  lingkungan: [
    'sampah', 'bau', 'limbah', 'kotoran', 'tercemar', 'pencemaran', 'kandang', 'pohon tumbang', 'pohon', 'tumbang',
    'rimbun', 'lingkungan', 'tps', 'bakar sampah', 'asap', 'polusi', 'sungai kotor', 'bising', 'rumput', 'ranting',
    'kebersihan', 'kumuh', 'tikus',
  ],
  bencana: [
    'banjir', 'longsor', 'kebakaran', 'terbakar', 'angin puting', 'puting beliung', 'gempa', 'rob', 'tanah bergerak',
    'bencana', 'meluap', 'tanggul jebol', 'jebol', 'hanyut', 'pengungsi', 'evakuasi', 'darurat',
  ],
  pertanian: [
    'pupuk', 'hama', 'wereng', 'tikus sawah', 'benih', 'bibit', 'poktan', 'kelompok tani', 'gapoktan', 'petani',
    'sawah', 'irigasi', 'panen', 'ternak', 'sapi', 'kambing', 'ayam', 'umkm', 'usaha kecil', 'pertanian', 'kebun',
    'traktor', 'gagal panen',
  ],
  keuangan_desa: [
    'dana desa', 'add', 'apbdes', 'anggaran', 'bumdes', 'transparansi', 'korupsi', 'penyelewengan', 'laporan keuangan',
    'pertanggungjawaban', 'realisasi', 'siltap', 'mark up', 'markup', 'pungutan', 'dana', 'keuangan',
  ],
  pelayanan_aparat: [
    'pelayanan', 'kantor desa tutup', 'kantor tutup', 'tidak ada di kantor', 'lambat', 'dipersulit', 'berbelit',
    'pungli', 'suap', 'sogok', 'uang pelicin', 'tidak ramah', 'judes', 'kasar', 'perangkat desa', 'aparat', 'petugas',
    'oknum', 'bolos', 'pilih kasih', 'nepotisme',
  ],
  lainnya: ['terima kasih', 'makasih', 'acara', 'lomba', 'agustusan', 'pengajian', 'kegiatan', 'info', 'selamat'],
};

const QUESTION_START = /^(apa|apakah|bagaimana|gimana|gmn|kapan|berapa|brp|dimana|di mana|kemana|kenapa|mengapa|knp|bisakah|bisa gak|bisa ga|boleh|siapa|syarat)\b/;
const PROPOSAL = /\b(usul|usulan|mengusulkan|usulkan|saran|menyarankan|sebaiknya|alangkah baiknya|bagaimana kalau|gimana kalau|mohon dibangun|mohon diadakan|minta dibangun|minta dibuatkan|mohon dibuatkan|tolong dibuatkan|tolong diadakan|perlu dibangun|perlu diadakan|pengen ada|semoga ada|harapan kami|berharap ada)/;
/**
 * Words that make a message urgent whatever its category, on lower-cased text. Not "tolong" alone
 * (it opens most polite requests) nor "segera" alone ("mohon segera ditindaklanjuti" ends most
 * formal letters).
 */
export const URGENT_WORDS =
  /\b(darurat|kebakaran|terbakar|banjir|longsor|tenggelam|pingsan|kritis|gawat|sekarang juga|tolong cepat|tolong segera|segera tolong|cepat tolong)\b|tolong\s*!/;
/** The baseline, having no model of urgency, also trusts "segera" and repeated exclamation marks. */
const URGENT = new RegExp(`${URGENT_WORDS.source}|\\bsegera\\b|!!+`);

interface CompiledCategory {
  category: Category;
  patterns: Array<{ regexp: RegExp; weight: number }>;
}

function compile(): CompiledCategory[] {
  return CATEGORIES.map((category) => ({
    category,
    patterns: KEYWORDS[category].map((phrase) => ({
      regexp: new RegExp(`(?:^|\\s)${phrase.replace(/\s+/g, '\\s+')}`),
      // Multi-word phrases are more specific than single words.
      weight: phrase.includes(' ') ? 2 : 1,
    })),
  }));
}

export class KeywordClassifier implements Classifier {
  readonly name = 'keyword-baseline';
  private readonly compiled = compile();

  classify(text: string): Classification {
    // Long rants: the point is usually within the first few thousand characters.
    const normalized = normalizeText(text.slice(0, 4000));
    const scores = this.compiled.map(({ category, patterns }) => ({
      category,
      score: patterns.reduce((sum, { regexp, weight }) => sum + (regexp.test(normalized) ? weight : 0), 0),
    }));
    scores.sort((a, b) => b.score - a.score);
    const total = scores.reduce((sum, { score }) => sum + score, 0);
    const top = scores[0];
    let category: Category = 'lainnya';
    let confidence = 0.1;
    if (top && top.score > 0) {
      category = top.category;
      // One extra unit of mass keeps a single weak keyword from looking certain.
      confidence = top.score / (total + 1);
    }
    const alternatives = scores
      .filter(({ score }) => score > 0)
      .slice(0, 3)
      .map(({ category: alt, score }) => ({ category: alt, confidence: score / (total + 1) }));
    if (alternatives.length === 0) alternatives.push({ category, confidence });
    const kind = PROPOSAL.test(normalized)
      ? 'usulan'
      : text.includes('?') || QUESTION_START.test(normalized)
        ? 'pertanyaan'
        : 'pengaduan';
    const urgent = category === 'bencana' || URGENT.test(normalized) || /tolong\s*!/i.test(text);
    return { category, confidence, alternatives, kind, urgent };
  }
}
