"""The shipped cross-encoder's network: the first layers of multilingual-e5-small (a BERT) reading
``[CLS] question [SEP] passage [SEP]``, mean-pooled over the tokens (e5 is trained with mean pooling, so
the pooled vector starts out meaningful), and one linear unit giving the logit that the passage answers.

Imported only where torch is wanted: training (``eval/train_reranker.py``) and ``cross.E5CrossEncoder``.
"""

from __future__ import annotations

import torch
from transformers import BertConfig, BertModel

# The word-embedding matrix (250k x 384, 96 M of the model's weights) stays as e5 has it: frozen in
# training, so the shipped file need not hold it and it is taken from the materialised e5 at load time.
FROZEN = ("bert.embeddings.word_embeddings.weight",)


class CrossModel(torch.nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)
        self.head = torch.nn.Linear(config.hidden_size, 1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Logits, one per pair."""
        h = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        hidden = h.last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        logits: torch.Tensor = self.head(pooled).squeeze(-1)
        return logits
