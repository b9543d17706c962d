// Progressive enhancement only: every page works without this file.
document.addEventListener('DOMContentLoaded', () => {
  const toggle = document.querySelector('[data-nav-toggle]');
  const nav = document.getElementById('sidenav');
  if (toggle && nav) {
    toggle.addEventListener('click', () => {
      const open = nav.classList.toggle('open');
      toggle.setAttribute('aria-expanded', String(open));
    });
  }
  document.querySelector('[data-nav-close]')?.addEventListener('click', () => {
    nav?.classList.remove('open');
    toggle?.setAttribute('aria-expanded', 'false');
  });
  for (const button of document.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', () => {
      const text = document.getElementById(button.dataset.copy)?.textContent ?? '';
      navigator.clipboard?.writeText(text);
    });
  }
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
});

// ---- Deals board: drag a card to another column (the per-card form works without this) ----
document.addEventListener('DOMContentLoaded', () => {
  const board = document.getElementById('board');
  if (!board) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  let dragged = null;
  for (const card of board.querySelectorAll('.deal-card')) {
    card.addEventListener('dragstart', (e) => {
      dragged = card;
      card.classList.add('dragging');
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', card.dataset.dealId);
    });
    card.addEventListener('dragend', () => {
      card.classList.remove('dragging');
      dragged = null;
    });
  }
  for (const col of board.querySelectorAll('.board-col')) {
    col.addEventListener('dragover', (e) => {
      e.preventDefault();
      col.classList.add('drop-target');
    });
    col.addEventListener('dragleave', () => col.classList.remove('drop-target'));
    col.addEventListener('drop', async (e) => {
      e.preventDefault();
      col.classList.remove('drop-target');
      const card = dragged;
      if (!card || card.closest('.board-col') === col) return;
      const body = new URLSearchParams({ stage_id: col.dataset.stageId });
      if (col.dataset.stageKind === 'lost') {
        const reason = window.prompt(board.dataset.lostPrompt);
        if (reason === null || reason.trim() === '') return;
        body.set('lost_reason', reason);
      }
      const res = await fetch(`/deals/${card.dataset.dealId}/move`, {
        method: 'POST',
        headers: { 'x-csrf-token': csrf, accept: 'application/json' },
        body,
        credentials: 'same-origin',
      });
      if (res.ok) {
        // Reload so counts and sums stay right.
        window.location.reload();
      } else {
        const err = await res.json().catch(() => ({}));
        window.alert(err.message ?? res.statusText);
      }
    });
  }
});

// ---- Record lists: edit a cell in place (without script each editable cell links to its record) ----
document.addEventListener('DOMContentLoaded', () => {
  const table = document.getElementById('records');
  if (!table || !table.dataset.cellBase || !table.tHead) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  const heads = [...table.tHead.rows[0].cells];

  const label = (button, th, text) => {
    const name = th.textContent.trim();
    button.setAttribute('aria-label', `${name}: ${text || '—'} (${table.dataset.editHint})`);
  };

  const makeButton = (td, th, text) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'cell-edit';
    const bdi = document.createElement('bdi');
    bdi.dir = 'auto';
    bdi.textContent = text;
    button.append(bdi);
    label(button, th, text);
    button.addEventListener('click', () => open(td, th, button));
    return button;
  };

  const open = (td, th, button) => {
    const kind = th.dataset.kind;
    let input;
    if (kind === 'select') {
      input = document.createElement('select');
      const options = th.querySelector('template.cell-options')?.content.querySelectorAll('option') ?? [];
      for (const o of options) {
        if (o.dataset.group && td.dataset.group && o.dataset.group !== td.dataset.group) continue;
        input.append(o.cloneNode(true));
      }
    } else {
      input = document.createElement('input');
      input.type = kind === 'email' ? 'email' : kind === 'tel' ? 'tel' : 'text';
      if (kind === 'number') input.inputMode = 'decimal';
      if (th.dataset.placeholder) input.placeholder = th.dataset.placeholder;
      input.dir = 'auto';
    }
    input.className = 'cell-input';
    input.value = td.dataset.value ?? '';
    input.setAttribute('aria-label', th.textContent.trim());
    const error = document.createElement('span');
    error.className = 'field-error';
    error.id = `cell-error-${td.closest('tr').dataset.id}-${td.cellIndex}`;
    error.setAttribute('role', 'alert');
    td.replaceChildren(input, error);
    input.focus();
    let busy = false;
    let failed = null;

    const close = (text) => {
      // Focus comes back to the cell after Enter or Escape; not when the user has moved on
      // to something else (leaving the editor saved it).
      const active = document.activeElement;
      const refocus = td.contains(active) || active === document.body || active === null;
      const b = makeButton(td, th, text);
      td.replaceChildren(b);
      if (refocus) b.focus();
    };
    const cancel = () => close(button.textContent);
    const save = async () => {
      if (busy) return;
      if (input.value === (td.dataset.value ?? '')) return cancel();
      if (input.value === failed) return;
      busy = true;
      const id = td.closest('tr').dataset.id;
      const body = new URLSearchParams({ field: th.dataset.field, value: input.value, _csrf: csrf });
      let res;
      let data = {};
      try {
        res = await fetch(`${table.dataset.cellBase}/${id}/cell`, {
          method: 'POST',
          headers: { 'x-csrf-token': csrf, accept: 'application/json' },
          body,
          credentials: 'same-origin',
        });
        data = await res.json().catch(() => ({}));
      } catch (_) {
        res = null;
      }
      busy = false;
      if (res && res.ok && data.ok) {
        td.dataset.value = data.value;
        close(data.text);
      } else {
        failed = input.value;
        error.textContent = data.message ?? table.dataset.editFailed;
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', error.id);
        input.focus();
      }
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        // The list sits inside the bulk-action form: Enter must not submit it.
        e.preventDefault();
        save();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        cancel();
      }
    });
    input.addEventListener('input', () => {
      if (input.value !== failed) {
        input.removeAttribute('aria-invalid');
        error.textContent = '';
      }
    });
    input.addEventListener('blur', () => {
      // A click on the error text or another cell saves; the editor stays while it is wrong.
      setTimeout(() => { if (td.contains(input) && document.activeElement !== input) save(); }, 0);
    });
  };

  for (const td of table.querySelectorAll('td.cell[data-value]')) {
    const th = heads[td.cellIndex];
    if (!th?.dataset.field) continue;
    const text = td.textContent.trim();
    td.replaceChildren(makeButton(td, th, text));
  }
});
