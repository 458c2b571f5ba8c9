import { useId } from 'react';
import { ceremonyStates } from '../../../../shared/ceremony/view';
import { stateText } from '../ceremonies/format';
import { useHistory } from './store';

/** The search: free text (debounced in the store), states, and the days a ceremony was opened between. */
export function SearchForm() {
  const textId = useId();
  const textHintId = useId();
  const fromId = useId();
  const toId = useId();
  const problemId = useId();
  const query = useHistory((s) => s.query);
  const problem = useHistory((s) => s.queryProblem);
  const setText = useHistory((s) => s.setText);
  const toggleState = useHistory((s) => s.toggleState);
  const setFrom = useHistory((s) => s.setFrom);
  const setTo = useHistory((s) => s.setTo);
  const clearFilters = useHistory((s) => s.clearFilters);
  const search = useHistory((s) => s.search);
  const filtered = query.text !== '' || query.states.length > 0 || query.from !== '' || query.to !== '';

  return (
    <form
      className="history-search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        void search();
      }}
      noValidate
    >
      <div className="field history-text">
        <label htmlFor={textId}>Search</label>
        <input
          id={textId}
          type="search"
          autoComplete="off"
          spellCheck={false}
          value={query.text}
          onChange={(event) => setText(event.target.value)}
          aria-describedby={textHintId}
        />
        <p id={textHintId} className="hint">
          Release name or version, artifact name or digest, approver, or ceremony id.
        </p>
      </div>
      <fieldset className="history-states">
        <legend>State</legend>
        {ceremonyStates.map((state) => (
          <label key={state} className="check">
            <input type="checkbox" checked={query.states.includes(state)} onChange={(event) => toggleState(state, event.target.checked)} />
            {stateText[state]}
          </label>
        ))}
      </fieldset>
      <fieldset className="history-dates">
        <legend>Opened between</legend>
        <div className="field">
          <label htmlFor={fromId}>Opened from</label>
          <input
            id={fromId}
            type="date"
            value={query.from}
            max={query.to || undefined}
            onChange={(event) => setFrom(event.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? problemId : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor={toId}>Opened to</label>
          <input
            id={toId}
            type="date"
            value={query.to}
            min={query.from || undefined}
            onChange={(event) => setTo(event.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? problemId : undefined}
          />
        </div>
        {filtered && (
          <button type="button" className="button-quiet" onClick={clearFilters}>
            Clear search
          </button>
        )}
      </fieldset>
      {problem && (
        <div className="message message-error" role="alert" id={problemId}>
          <p>{problem}</p>
        </div>
      )}
    </form>
  );
}
