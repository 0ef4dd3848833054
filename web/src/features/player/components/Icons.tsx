/** Player icons as inline SVG: they draw the same with or without an emoji font. */
const base = {
  width: 22,
  height: 22,
  viewBox: "0 0 24 24",
  "aria-hidden": true,
  focusable: false,
} as const;

export const PlayIcon = () => (
  <svg {...base} aria-hidden="true">
    <path d="M7 4v16l13-8z" fill="currentColor" />
  </svg>
);
export const PauseIcon = () => (
  <svg {...base} aria-hidden="true">
    <path d="M6 4h4v16H6zM14 4h4v16h-4z" fill="currentColor" />
  </svg>
);
export const VolumeIcon = ({ muted }: { muted: boolean }) => (
  <svg {...base} aria-hidden="true">
    <path d="M4 9v6h4l5 4V5L8 9z" fill="currentColor" />
    {muted ? (
      <path d="M16 9l5 6M21 9l-5 6" stroke="currentColor" strokeWidth="2" fill="none" />
    ) : (
      <path
        d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12"
        stroke="currentColor"
        strokeWidth="2"
        fill="none"
      />
    )}
  </svg>
);
export const FullscreenIcon = () => (
  <svg {...base} aria-hidden="true">
    <path
      d="M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5"
      stroke="currentColor"
      strokeWidth="2"
      fill="none"
    />
  </svg>
);
export const BackTenIcon = () => (
  <svg {...base} aria-hidden="true">
    <path d="M12 5V2L7 6l5 4V7a6 6 0 1 1-6 6H4a8 8 0 1 0 8-8z" fill="currentColor" />
    <text x="12" y="16" fontSize="7" textAnchor="middle" fill="currentColor">
      10
    </text>
  </svg>
);
export const ForwardTenIcon = () => (
  <svg {...base} aria-hidden="true">
    <path d="M12 5V2l5 4-5 4V7a6 6 0 1 0 6 6h2a8 8 0 1 1-8-8z" fill="currentColor" />
    <text x="12" y="16" fontSize="7" textAnchor="middle" fill="currentColor">
      10
    </text>
  </svg>
);
