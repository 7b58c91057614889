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
      input: { help: 'src/help.ts', site: 'src/site.css', widget: 'src/widget.ts' },
      output: {
        // the chat widget is one file at the site's root: <script src=".../widget.js" async>
        entryFileNames: (chunk) => (chunk.name === 'widget' ? 'widget.js' : 'assets/[name].js'),
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
