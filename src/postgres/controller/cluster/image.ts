/**
 * `spec.imageName` on a runtime without images: the tag's PostgreSQL major version is
 * honoured when that version's server binaries are installed on the service's host (a new
 * Cluster is made with them), and otherwise the Cluster says which version runs instead.
 * A Cluster's data stays on the major it was made with: changing it would need an upgrade
 * the local runtime does not do.
 */

/** An installed PostgreSQL: its major and full version (`15`, `15.18`). */
export interface InstalledVersion {
  readonly major: number;
  readonly version: string;
}

/**
 * The major version an image's tag names, as CloudNativePG's images are tagged
 * (`ghcr.io/cloudnative-pg/postgresql:16.4`, `…:17.2-standard-bookworm`, `postgres:16`);
 * undefined without a tag (a digest only) or with a tag that starts otherwise.
 */
export function imageMajor(imageName: string): number | undefined {
  const reference = imageName.split('@')[0] ?? '';
  const tagAt = reference.lastIndexOf(':');
  if (tagAt <= reference.lastIndexOf('/')) return undefined;
  const m = /^(\d+)(?:[.\-_]|$)/.exec(reference.slice(tagAt + 1));
  return m ? Number(m[1]) : undefined;
}

/**
 * Why `imageName` is not honoured for a Cluster whose data is PostgreSQL `dataMajor`,
 * with which version runs instead; undefined when it is (or none is asked for).
 */
export function imageNote(input: {
  readonly imageName: string | undefined;
  readonly installed: readonly InstalledVersion[];
  readonly dataMajor: number;
}): string | undefined {
  const { imageName, installed, dataMajor } = input;
  if (!imageName) return undefined;
  const running = installed.find((v) => v.major === dataMajor)?.version ?? String(dataMajor);
  const runs = `PostgreSQL ${running} runs`;
  const wanted = imageMajor(imageName);
  if (wanted === undefined)
    return `${imageName} names no PostgreSQL major version in its tag; ${runs}`;
  if (wanted === dataMajor) return undefined;
  if (!installed.some((v) => v.major === wanted)) {
    const list = installed.map((v) => v.major).join(', ');
    return `PostgreSQL ${wanted} is not installed on this service's host (installed: ${list}); ${runs}`;
  }
  return `this Cluster's data is PostgreSQL ${dataMajor} and its major version cannot change here; ${runs}`;
}

/** The image a Cluster's instances show (status.image, their pods): they run no image. */
export function localImage(major: number | undefined): string {
  return `local/postgresql:${major ?? 'unknown'}`;
}
