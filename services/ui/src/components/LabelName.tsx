// A label as the annotator's picker shows it: colour swatch, display name and hotkey. The schema builder's
// preview uses the same piece, so it shows the picker exactly as the editor draws it.
interface Props {
  color: string
  name: string
  hotkey?: string | null
}

export function LabelName({ color, name, hotkey }: Props) {
  return (
    <>
      <span className="swatch" style={{ background: color }} />
      <span className="label-name">{name}</span>
      {hotkey && <kbd>{hotkey}</kbd>}
    </>
  )
}
