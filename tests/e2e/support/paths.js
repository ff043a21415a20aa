// Where things are: the repository, the package under test, and the directory for build
// output and screenshots (under target/, which git ignores).

import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const e2eDir = path.join(repoRoot, 'tests', 'e2e');
export const pagesDir = path.join(e2eDir, 'pages');
/** The package under test: pkg/, or another build of it named by RESOCKET_E2E_PKG. */
export const pkgDir = process.env.RESOCKET_E2E_PKG
  ? path.resolve(process.env.RESOCKET_E2E_PKG)
  : path.join(repoRoot, 'pkg');
export const outDir = path.join(repoRoot, 'target', 'e2e');
/** The Rust face's test class (tests/rust-face/), built there by scripts/e2e-tests.sh. */
export const rustFaceDir = path.join(outDir, 'rust-face');
