import { reportTimeZoneIana, type ReportTimeZone } from './timeZones.js';

/**
 * The `Time Zone:` line of a report file's header, e.g. "(GMT-08:00) Pacific Time (US & Canada); Tijuana"
 * (Microsoft's example in guides/reports.md#reportschema). Microsoft documents no list of these texts:
 * they are Windows time zone display names, which name the same places as the ReportTimeZone enum
 * (whose values are those names with the punctuation taken out, and "Is" spelled "Island"). So a
 * stated zone is matched by its place names, never by its offset: "(GMT-08:00)" is the standard offset
 * and says nothing about daylight saving time. A text we cannot match stays unresolved (no IANA zone),
 * which is what docs/BI.md tells analysts.
 */

/** The Windows display names (without the offset) of each ReportTimeZone. */
const DISPLAY_NAMES: Record<ReportTimeZone, string> = {
  Nukualofa: "Nuku'alofa",
  FijiKamchatkaMarshallIsland: 'Fiji, Kamchatka, Marshall Is.',
  AucklandWellington: 'Auckland, Wellington',
  MagadanSolomonIslandNewCaledonia: 'Magadan, Solomon Is., New Caledonia',
  Vladivostok: 'Vladivostok',
  Hobart: 'Hobart',
  GuamPortMoresby: 'Guam, Port Moresby',
  CanberraMelbourneSydney: 'Canberra, Melbourne, Sydney',
  Brisbane: 'Brisbane',
  Darwin: 'Darwin',
  Adelaide: 'Adelaide',
  Yakutsk: 'Yakutsk',
  Seoul: 'Seoul',
  OsakaSapporoTokyo: 'Osaka, Sapporo, Tokyo',
  Taipei: 'Taipei',
  Perth: 'Perth',
  KualaLumpurSingapore: 'Kuala Lumpur, Singapore',
  IrkutskUlaanBataar: 'Irkutsk, Ulaan Bataar',
  BeijingChongqingHongKongUrumqi: 'Beijing, Chongqing, Hong Kong, Urumqi',
  Krasnoyarsk: 'Krasnoyarsk',
  BangkokHanoiJakarta: 'Bangkok, Hanoi, Jakarta',
  Rangoon: 'Rangoon',
  SriJayawardenepura: 'Sri Jayawardenepura',
  AstanaDhaka: 'Astana, Dhaka',
  AlmatyNovosibirsk: 'Almaty, Novosibirsk',
  Kathmandu: 'Kathmandu',
  ChennaiKolkataMumbaiNewDelhi: 'Chennai, Kolkata, Mumbai, New Delhi',
  IslandamabadKarachiTashkent: 'Islamabad, Karachi, Tashkent',
  Ekaterinburg: 'Ekaterinburg',
  Kabul: 'Kabul',
  BakuTbilisiYerevan: 'Baku, Tbilisi, Yerevan',
  AbuDhabiMuscat: 'Abu Dhabi, Muscat',
  Tehran: 'Tehran',
  Nairobi: 'Nairobi',
  MoscowStPetersburgVolgograd: 'Moscow, St. Petersburg, Volgograd',
  KuwaitRiyadh: 'Kuwait, Riyadh',
  Baghdad: 'Baghdad',
  Jerusalem: 'Jerusalem',
  HelsinkiKyivRigaSofiaTallinnVilnius: 'Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius',
  HararePretoria: 'Harare, Pretoria',
  Cairo: 'Cairo',
  Bucharest: 'Bucharest',
  AthensIslandanbulMinsk: 'Athens, Istanbul, Minsk',
  WestCentralAfrica: 'West Central Africa',
  SarajevoSkopjeWarsawZagreb: 'Sarajevo, Skopje, Warsaw, Zagreb',
  BrusselsCopenhagenMadridParis: 'Brussels, Copenhagen, Madrid, Paris',
  BelgradeBratislavaBudapestLjubljanaPrague: 'Belgrade, Bratislava, Budapest, Ljubljana, Prague',
  AmsterdamBerlinBernRomeStockholmVienna: 'Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna',
  CasablancaMonrovia: 'Casablanca, Monrovia',
  GreenwichMeanTimeDublinEdinburghLisbonLondon: 'Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London',
  Azores: 'Azores',
  CapeVerdeIsland: 'Cape Verde Is.',
  MidAtlantic: 'Mid-Atlantic',
  Brasilia: 'Brasilia',
  BuenosAiresGeorgetown: 'Buenos Aires, Georgetown',
  Greenland: 'Greenland',
  Newfoundland: 'Newfoundland',
  AtlanticTimeCanada: 'Atlantic Time (Canada)',
  CaracasLaPaz: 'Caracas, La Paz',
  Santiago: 'Santiago',
  BogotaLimaQuito: 'Bogota, Lima, Quito',
  EasternTimeUSCanada: 'Eastern Time (US & Canada)',
  IndianaEast: 'Indiana (East)',
  CentralAmerica: 'Central America',
  CentralTimeUSCanada: 'Central Time (US & Canada)',
  GuadalajaraMexicoCityMonterrey: 'Guadalajara, Mexico City, Monterrey',
  Saskatchewan: 'Saskatchewan',
  Arizona: 'Arizona',
  ChihuahuaLaPazMazatlan: 'Chihuahua, La Paz, Mazatlan',
  MountainTimeUSCanada: 'Mountain Time (US & Canada)',
  PacificTimeUSCanadaTijuana: 'Pacific Time (US & Canada); Tijuana',
  Alaska: 'Alaska',
  Hawaii: 'Hawaii',
  MidwayIslandandSamoa: 'Midway Island, Samoa',
  InternationalDateLineWest: 'International Date Line West',
};

export interface StatedTimeZone {
  /** The text as the file states it (trimmed). */
  stated: string;
  /** The ReportTimeZone it names, or null when we cannot tell. */
  zone: ReportTimeZone | null;
  /** The IANA zone for turning the file's wall-clock hours into instants, or null when unknown. */
  iana: string | null;
}

/** Letters only, lower case, Microsoft's "Island" for "Is" undone: comparable place names. */
const normalized = (text: string) =>
  text
    .replace(/\bIs\./g, 'Island')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase()
    .replace(/island/g, 'is');

/** "(GMT-08:00) " or "(UTC+05:30) " in front of the place names. */
const OFFSET_PREFIX = /^\s*\((?:GMT|UTC)\s*(?:[+-]\d{1,2}(?::\d{2})?)?\)\s*/i;

const byName = new Map<string, ReportTimeZone>();
for (const [zone, display] of Object.entries(DISPLAY_NAMES) as [ReportTimeZone, string][]) {
  byName.set(normalized(display), zone);
  byName.set(normalized(zone), zone);
}

/** Texts that name UTC itself (an offset alone, "(UTC)", counts: it has no daylight saving time to hide). */
const UTC_NAMES = new Set(['utc', 'coordinateduniversaltime']);

export function resolveStatedTimeZone(text: string): StatedTimeZone {
  const stated = text.trim();
  const names = normalized(stated.replace(OFFSET_PREFIX, ''));
  if (UTC_NAMES.has(names) || /^\((?:GMT|UTC)\)$/i.test(stated)) return { stated, zone: null, iana: 'UTC' };
  let zone = byName.get(names) ?? null;
  if (zone === null && names.length >= 4) {
    // Newer Windows names drop places ("Pacific Time (US & Canada)"): accept one unambiguous extension.
    const candidates = [...new Set([...byName].filter(([n]) => n.startsWith(names)).map(([, z]) => z))];
    if (candidates.length === 1) zone = candidates[0] as ReportTimeZone;
  }
  return { stated, zone, iana: zone === null ? null : reportTimeZoneIana[zone] };
}

/** One formatter per zone: making one per call is slow (the simulator writes a header per file). */
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC of `iana` at `at`. */
function offsetMinutes(iana: string, at: Date): number {
  let format = offsetFormats.get(iana);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: iana, timeZoneName: 'longOffset' });
    offsetFormats.set(iana, format);
  }
  const part = format
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? '');
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * The header text Microsoft would write for `zone`: the standard offset (the smaller of January's and
 * July's) and the display name, as in "(GMT-08:00) Pacific Time (US & Canada); Tijuana".
 */
export function statedTimeZoneText(zone: ReportTimeZone): string {
  const iana = reportTimeZoneIana[zone];
  const year = 2026;
  const minutes = Math.min(offsetMinutes(iana, new Date(Date.UTC(year, 0, 15))), offsetMinutes(iana, new Date(Date.UTC(year, 6, 15))));
  const abs = Math.abs(minutes);
  const offset = minutes === 0 ? '(GMT)' : `(GMT${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')})`;
  return `${offset} ${DISPLAY_NAMES[zone]}`;
}
