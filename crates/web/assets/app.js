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
