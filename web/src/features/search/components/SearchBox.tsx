import { useId, useState } from "react";
import { useSuggestions } from "../api/search";
import { useDebounced } from "../hooks/useDebounced";
import { Highlight } from "./Highlight";

interface Props {
  value: string;
  onChange: (q: string) => void;
  onPick: (id: string) => void;
}

/** A combobox: results follow the typing, suggestions below it (arrows, Enter, Escape). */
export function SearchBox({ value, onChange, onPick }: Props) {
  const listId = useId();
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const q = useDebounced(value, 150);
  const suggestions = useSuggestions(q).data ?? [];
  const shown = open && value.trim() !== "" && suggestions.length > 0;
  return (
    <div className="searchbox">
      <input
        type="search"
        role="combobox"
        aria-label="Search titles"
        aria-expanded={shown}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={shown && active >= 0 ? `${listId}-${active}` : undefined}
        placeholder="Titles, people, genres"
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (!shown) return;
          if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, suggestions.length - 1));
          else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, -1));
          else if (e.key === "Escape") setOpen(false);
          else if (e.key === "Enter" && active >= 0) {
            const pick = suggestions[active];
            if (pick) onPick(pick.id);
          } else return;
          e.preventDefault();
        }}
      />
      {shown && (
        <div className="searchbox__suggestions" id={listId} role="listbox" aria-label="Suggestions">
          {suggestions.map((s, i) => (
            <div
              key={s.id}
              tabIndex={-1}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => {
                e.preventDefault();
                onPick(s.id);
              }}
            >
              <Highlight html={s.highlight} fallback={s.title} />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
