/// <reference types="vitest/config" />
import { defineConfig } from 'vite'

// Not a single-page app: the pages are HTML from the API and the help-site bucket. The build writes
// the two files every page names, under fixed names (functions/core/pages.py): assets/help.js and
// assets/site.css. They are small (bench/customers_pages.mjs measures what a page transfers).
export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: false,
    rolldownOptions: {
      input: { help: 'src/help.ts', site: 'src/site.css' },
      output: {
        entryFileNames: 'assets/[name].js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: 'assets/[name][extname]',
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
})
