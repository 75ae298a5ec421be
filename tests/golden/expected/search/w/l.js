(self.siteSearchData=self.siteSearchData||{})["w/l"]={"terms":"languag larg larger llm logarithm logn longer lovelac"};
