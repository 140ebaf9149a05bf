import { vi } from 'vitest';

/** The PDF modules as a freshly started process has them: nothing parsed or cached yet. */
export async function freshPdfModules() {
  vi.resetModules();
  return {
    ...(await import('#server/pdf/application.ts')),
    ...(await import('#server/pdf/handbook.ts')),
    ...(await import('#server/pdf/letter.ts')),
    ...(await import('#server/pdf/role-request.ts')),
  };
}
