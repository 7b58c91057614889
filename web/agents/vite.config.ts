/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    target: 'es2022',
    sourcemap: false,
    // The first screen (the queue) stays small; every other page is its own chunk (router.ts).
    chunkSizeWarningLimit: 400, // kB minified; the budget (250 kB gzipped, first screen) is checked by bench/agents_app.mjs
  },
  server: { port: 5173, strictPort: false },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    // component tests type and run axe in jsdom: seconds each on a loaded machine (2 cores shared),
    // where the default 5 s made them fail by the clock, not by the app
    testTimeout: 30_000,
  },
})
