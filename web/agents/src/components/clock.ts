import { ref } from 'vue'

/** One ticking clock for every relative time on screen (updated each 30 s). */
export const now = ref(Date.now())
if (typeof window !== 'undefined') setInterval(() => (now.value = Date.now()), 30_000)
