import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// https://vite.dev/config/
// base './': asset URLs are relative, so the build works under any ingress path prefix.
export default defineConfig({
  base: './',
  plugins: [react()],
})
