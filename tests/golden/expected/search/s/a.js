(self.siteSearchData=self.siteSearchData||{})["s/a"]={"terms":"languag larg larger mari match matter paper pass sampl"};
