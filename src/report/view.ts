/**
 * One view of a report for every renderer (markdown, text, the PR comment, annotations): each image × target with
 * its decisive reason, the start step it fails at, one short line and the fix to try first; failures before caveats;
 * the headline's facts. Plain data and plain text: renderers add the markup.
 */
import { worst, worstFirst, type Verdict } from '../model/verdict';
import type { Reason } from '../verdict/types';
import { firstFix, shortLine, stepOf, type StartStep } from '../verdict/wording';
import { indexResults } from './cells';
import type { Report } from './types';

export interface CellView {
  image: string;
  target: string;
  verdict: Verdict;
  /** the reason that decides the verdict: the first one with that verdict */
  reason?: Reason;
  step?: StartStep;
  /** what is needed against what the target has, one line */
  line?: string;
  fix?: string;
  /** waivers of the targets file cover it: shown apart, it does not gate */
  waived?: { reason: string; expires: string; codes: string[] };
  /** a waiver that covered it expired: it counts again */
  waiverExpired?: { reason: string; expires: string; codes: string[] };
}

export interface ImageView {
  source: string;
  /** a name short enough for a table cell: the archive's file name, the reference without its registry */
  name: string;
  worst: Verdict;
  cuda?: string;
  needsDriver?: string;
}

export interface ReportView {
  verdict: Verdict;
  gatePassed: boolean;
  images: ImageView[];
  /** worst first, then in image and target order */
  failing: CellView[];
  caveats: CellView[];
  /** failing and caveated cells that waivers cover (not in failing or caveats) */
  waived: CellView[];
  /** the images and targets that fail (caveat when nothing fails), in report order */
  blamed: { images: string[]; targets: string[] };
}

export function reportView(report: Report): ReportView {
  const index = indexResults(report);
  const cells: CellView[] = [];
  const images: ImageView[] = report.images.map((img) => {
    const verdicts: Verdict[] = [];
    for (const t of report.targets) {
      const r = index.cell(img.source, t.name);
      if (!r) continue;
      verdicts.push(r.verdict);
      if (r.verdict === 'pass') continue;
      const reason = r.reasons.find((x) => x.verdict === r.verdict) ?? r.reasons[0];
      cells.push({
        image: img.source,
        target: t.name,
        verdict: r.verdict,
        ...(reason && { reason, step: stepOf(reason.code), line: shortLine(reason), fix: firstFix(reason) }),
        ...(r.waived && { waived: r.waived }),
        ...(r.waiverExpired && { waiverExpired: r.waiverExpired }),
      });
    }
    const cuda = img.cuda?.release ?? img.cuda?.runtime ?? (img.requirement.majors.map((m) => `${m}.x`).join(' + ') || undefined);
    const needsDriver = img.requirement.minDriver ?? img.requirement.minorCompatDriver;
    return { source: img.source, name: shortName(img.source), worst: worst(verdicts), ...(cuda && { cuda }), ...(needsDriver && { needsDriver }) };
  });
  // two images may not look alike: a short name shared by several gives way to the full source
  const seen = new Map<string, number>();
  for (const i of images) seen.set(i.name, (seen.get(i.name) ?? 0) + 1);
  for (const i of images) if (seen.get(i.name)! > 1) i.name = i.source;
  cells.sort((a, b) => worstFirst(a.verdict, b.verdict));
  const failing = cells.filter((c) => c.verdict === 'fail' && !c.waived);
  const caveats = cells.filter((c) => c.verdict === 'caveat' && !c.waived);
  const waived = cells.filter((c) => c.waived);
  const blamedCells = failing.length ? failing : caveats;
  const unique = (xs: string[]) => [...new Set(xs)];
  return {
    verdict: report.summary.verdict,
    gatePassed: report.summary.gatePassed,
    images,
    failing,
    caveats,
    waived,
    blamed: { images: unique(blamedCells.map((c) => c.image)), targets: unique(blamedCells.map((c) => c.target)) },
  };
}

/**
 * The headline in words; `name` renders an image or target name (code in markdown, plain in text).
 * "app:1 will not run on edge-t4", "3 of 40 images will not run on 2 of 8 targets", "… runs, with caveats on …".
 */
export function headlineText(view: ReportView, report: Pick<Report, 'targets'>, name: (s: string) => string): string {
  const { images, targets } = view.blamed;
  const shortOf = new Map(view.images.map((i) => [i.source, i.name]));
  const list = (xs: string[], of: number, what: string, shown: (s: string) => string) =>
    xs.length <= 2 ? xs.map(shown).join(' and ') : `${xs.length} of ${of} ${what}`;
  const imgs = list(images, view.images.length, 'images', (s) => name(shortOf.get(s) ?? s));
  const tgts = list(targets, report.targets.length, 'targets', name);
  const unique = (xs: string[]) => [...new Set(xs)];
  if (view.failing.length) return `${imgs} will not run on ${tgts}`;
  const subject = view.images.length === 1 ? name(view.images[0].name) : 'every image';
  if (view.caveats.length) return `${subject} runs on every target, with caveats on ${tgts}`;
  if (view.waived.length) {
    const waivedTargets = unique(view.waived.map((c) => c.target));
    return `${subject} passes the gate: ${view.waived.length} waived result${view.waived.length > 1 ? 's' : ''} on ${list(waivedTargets, report.targets.length, 'targets', name)}`;
  }
  return view.images.length === 0 ? 'no image was checked' : `${subject} runs on every target`;
}

/** The file name of an archive or layout, a registry reference without its registry; the string itself otherwise. */
export function shortName(source: string): string {
  const m = /^(docker-archive|oci-archive|oci|dir):(.*)$/.exec(source);
  if (m) {
    // oci:DIR:REF keeps its ref
    const [path, ref] = m[1] === 'oci' && /:[^/]*$/.test(m[2]) ? [m[2].slice(0, m[2].lastIndexOf(':')), m[2].slice(m[2].lastIndexOf(':'))] : [m[2], ''];
    const base = path.replace(/\/+$/, '');
    return base.slice(base.lastIndexOf('/') + 1) + ref;
  }
  const ref = source.replace(/^docker:\/\//, '');
  const slash = ref.indexOf('/');
  // a first component with a dot or a colon (or localhost) is a registry host
  if (slash > 0 && /[.:]|^localhost$/.test(ref.slice(0, slash))) return ref.slice(slash + 1);
  return ref;
}
